"""The caseworkers' web inbox: queues, report pages, actions, admin."""

from flask import Flask


def register(app: Flask) -> None:
    # Importing the page modules adds their routes to the blueprint.
    from app.inbox import (  # noqa: F401
        action_views,
        map_views,
        photo_views,
        queue_views,
        report_views,
    )
    from app.inbox.blueprint import bp

    app.register_blueprint(bp)
