"""The caseworkers' web inbox: queues, report pages, actions, admin."""

from flask import Flask


def register(app: Flask) -> None:
    # Importing the page modules adds their routes to the blueprint.
    from app.inbox import action_views, map_views, queue_views, report_views  # noqa: F401
    from app.inbox.blueprint import bp

    app.register_blueprint(bp)
