"""``auto_publish_photos`` in city.json: seeded onto the category, and refused (nothing loaded)
for a sensitive category."""

from __future__ import annotations

from tests.cities.test_config import MUSTERSTADT, edited_copy


def test_a_sensitive_category_that_would_publish_photos_automatically_is_refused(app, tmp_path):
    def change(city):
        city["categories"][0]["sensitive"] = True
        city["categories"][0]["auto_publish_photos"] = True
        city["categories"][1]["auto_publish_photos"] = True  # not sensitive: fine

    directory = edited_copy(MUSTERSTADT, tmp_path / "auto", change)
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "city.json: $.categories[0].auto_publish_photos: photos of a sensitive category are "
        "never published automatically (set it to false)"
    ) in lines
    assert "1 problem(s)" in result.output
    assert "nothing was loaded" in result.output


def test_a_value_that_is_not_true_or_false_is_refused(app, tmp_path):
    def change(city):
        city["categories"][0]["auto_publish_photos"] = "ja"

    directory = edited_copy(MUSTERSTADT, tmp_path / "auto", change)
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    assert (
        'city.json: $.categories[0].auto_publish_photos: "ja" is not of type "boolean"'
        in result.output
    )
