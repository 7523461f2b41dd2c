"""Caseworker inbox pages (thin: parse → service/query → render)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.decorators import staff_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox", template_folder="templates")


@bp.get("/")
@staff_required
def queue():
    return render_template("inbox/queue.html")
