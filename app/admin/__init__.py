"""The admin area at /admin: categories with their questions, departments, routing rules (with
a "test this rule" box), staff accounts and response templates. Admins only."""

from flask import Flask


def register(app: Flask) -> None:
    from app.admin.views import bp

    app.register_blueprint(bp)
