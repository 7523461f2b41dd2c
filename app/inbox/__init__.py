"""The caseworkers' web inbox: queues, report pages, actions, admin."""

from flask import Flask


def register(app: Flask) -> None:
    from app.inbox.views import bp

    app.register_blueprint(bp)
