"""``no_expiry``: a commit inside it leaves the session's objects loaded (reading one after it
sends no statement); outside it, and after an error inside it, commits expire them again."""

from __future__ import annotations

import pytest

from app.core.db import no_expiry
from app.extensions import db
from tests.statements import statements_of


def _statements_reading(report) -> list[str]:
    def read() -> None:
        assert report.description

    return statements_of(read)


def test_a_commit_inside_leaves_the_objects_loaded(app_ctx, make_report):
    report = make_report(description="Glasscherben am Spielplatz")
    assert report.description  # loaded
    session = db.session()
    with no_expiry(session):
        report.description = "Glasscherben am Spielplatz, viele"
        db.session.commit()
    assert _statements_reading(report) == []
    assert session.expire_on_commit is True

    db.session.commit()  # the ordinary commit expires again
    assert len(_statements_reading(report)) == 1


def test_the_setting_comes_back_after_an_error(app_ctx):
    session = db.session()
    with pytest.raises(RuntimeError), no_expiry(session):
        raise RuntimeError("boom")
    assert session.expire_on_commit is True
