"""Public statistics (``/statistik``): reports per district, category group and month — in time,
days to resolution, backlog, departments, unsafe places — from a rollup kept current with the
reports (see ``rollup.py``)."""

from flask import Flask


def register(app: Flask) -> None:
    from app.statistics.cli import statistics_cli
    from app.statistics.rollup import install_rollup_hooks
    from app.statistics.views import bp

    install_rollup_hooks()
    app.register_blueprint(bp)
    app.cli.add_command(statistics_cli)
