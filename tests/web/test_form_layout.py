"""The form's order without JavaScript: where first, then what (groups that fold open), then
the rest; the error summary in the same order; the form asks for the step with the reports
nearby and carries the "me too" form."""

from __future__ import annotations

from tests.web.support import csrf_token, de, page_text


def test_where_comes_before_what_and_the_groups_fold(client):
    body = page_text(client.get("/report"))
    order = [
        body.index('id="location-fieldset"'),
        body.index('id="use-my-location"'),
        body.index('id="map"'),
        body.index('id="address"'),
        body.index('id="category-fieldset"'),
        body.index('id="photos"'),
        body.index('id="description"'),
        body.index('id="email"'),
    ]
    assert order == sorted(order)
    assert body.count('<details class="category-group') == 6
    assert 'name="category-groups" open>' not in body  # all folded
    assert '<input type="hidden" name="offer_nearby" id="offer-nearby" value="1">' in body
    assert '<form id="me-too-form" method="post" action="/report/me-too" hidden>' in body
    assert "/report/photo-location" not in body  # a photo's position is read in the browser


def test_a_chosen_category_opens_its_group(client):
    body = page_text(client.get("/report?category=laterne-aus"))
    before = body[: body.index('id="category-laterne-aus"')]
    group = before[before.rindex("<details") :]
    assert group.split(">")[0].endswith(" open")
    assert de("Chosen: %(category)s", category="Straßenlaterne aus") in group
    assert body.count('name="category-groups" open>') == 1


def test_the_error_summary_starts_with_the_place(client):
    response = client.post("/report", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 422
    body = page_text(response)
    summary = body[
        body.index('id="error-summary"') : body.index("</ul>", body.index('id="error-summary"'))
    ]
    place = summary.index(de("Please mark the place on the map or enter an address."))
    category = summary.index(de("Please choose a category."))
    assert place < category
