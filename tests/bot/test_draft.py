"""The typed draft reads every draft the bot has written (plain data in the state file) and
writes it back with the same keys; the form it posts is the backend's."""

from __future__ import annotations

from bot.draft import Draft, Photo, Place, Question

# A draft as the bot wrote it before the draft was typed: popped keys are absent.
OLD_DRAFT = {
    "step": "summary",
    "code": "laterne-aus",
    "service_name": "Straßenlaterne aus",
    "group": "Beleuchtung",
    "attrs_def": [
        {
            "code": "mast_number",
            "datatype": "string",
            "required": False,
            "description": "Mastnummer",
            "help": None,
            "values": [],
        },
        {
            "code": "kind",
            "datatype": "multivaluelist",
            "required": True,
            "description": "Art",
            "help": None,
            "values": [{"key": "a", "name": "Aus"}, {"key": "f", "name": "Flackert"}],
        },
    ],
    "attributes": {"mast_number": "123-456", "kind": ["a", "f"]},
    "attr_pos": 2,
    "attrs_done": True,
    "lat": 51.5136,
    "long": 7.4653,
    "address": "Friedensplatz 1",
    "address_typed": True,
    "place_ok": True,
    "nearby_key": "laterne-aus|51.513600|7.465300",
    "photos": [{"file_id": "AgAC-1", "unique": "u1", "size": 1234}],
    "photos_done": True,
    "description": "Seit Tagen dunkel",
    "desc_done": True,
    "started": "2025-05-01T10:00:00+02:00",
    "submission_key": "0b7c2c7e-3f0e-4d7e-9d3a-6a1c2f8e9b10",
}


def test_an_old_draft_is_read_and_written_back_with_the_same_keys():
    draft = Draft.from_dict(OLD_DRAFT)
    assert draft.attrs_def[1].values[1].name == "Flackert"
    assert draft.photos == [Photo(file_id="AgAC-1", unique="u1", size=1234)]
    assert draft.current_question() is None
    written = draft.to_dict()
    assert {key: written[key] for key in OLD_DRAFT} == OLD_DRAFT
    # Keys the old bot popped come back as their empty values.
    assert written["multi"] is None and written["pending_place"] is None
    assert Draft.from_dict(written) == draft


def test_missing_keys_take_defaults_and_unknown_ones_are_ignored():
    draft = Draft.from_dict({"step": "photos", "photos": [], "from_a_later_version": 1})
    assert draft.attr_pos == 0 and draft.attrs_def == [] and draft.attributes == {}
    assert draft.photos_done is False and draft.place_ok is None and draft.submission_key is None
    assert "from_a_later_version" not in draft.to_dict()


def test_a_pending_place_and_nearby_reports_round_trip():
    data = {
        "pending_place": {"lat": 51.5, "long": 7.4, "address": "Markt 1", "district": "Mitte"},
        "nearby": [
            {"id": "DO-1", "name": "Müll", "status": "offen", "distance": 12.5, "description": ""}
        ],
    }
    draft = Draft.from_dict(data)
    assert draft.pending_place == Place(lat=51.5, long=7.4, address="Markt 1", district="Mitte")
    assert draft.nearby is not None and draft.nearby[0].id == "DO-1"
    written = draft.to_dict()
    assert written["pending_place"] == data["pending_place"]
    assert written["nearby"] == data["nearby"]


def test_a_new_draft_has_its_submission_key():
    first, second = Draft.new(), Draft.new()
    assert first.submission_key and len(first.submission_key) == 36
    assert first.submission_key != second.submission_key
    assert first.started is not None


def test_answers_and_the_form_posted():
    draft = Draft.from_dict({**OLD_DRAFT, "attr_pos": 0, "attributes": {}})
    draft.answer("  ")  # kept as given: trimming is the parser's job
    draft.answer(["a"])
    assert draft.attributes == {"mast_number": "  ", "kind": ["a"]} and draft.attr_pos == 2
    draft.attr_pos = 0
    draft.answer(None)
    assert "mast_number" not in draft.attributes
    assert draft.request_fields(4242, "de", updates=False) == {
        "service_code": "laterne-aus",
        "lat": "51.5136000",
        "long": "7.4653000",
        "description": "Seit Tagen dunkel",
        "telegram_chat_id": "4242",
        "updates": "false",
        "locale": "de",
        "address_string": "Friedensplatz 1",
        "attribute[kind][]": ["a"],
    }


def test_forgetting_a_part_asks_only_for_it_again():
    draft = Draft.from_dict(OLD_DRAFT)
    draft.forget("place")
    assert draft.lat is None and draft.nearby_key is None and draft.code == "laterne-aus"
    draft = Draft.from_dict(OLD_DRAFT)
    draft.forget("category")
    assert draft.code is None and draft.attrs_def == [] and draft.attributes == {}
    assert draft.lat == OLD_DRAFT["lat"]


def test_a_question_from_the_service_definition():
    question = Question.from_attribute(
        {
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "Art",
            "datatype_description": "Bitte wählen",
            "values": [{"key": "a"}, {"key": "f", "name": "Flackert"}],
        }
    )
    assert question.help == "Bitte wählen" and question.is_list
    assert [(v.key, v.name) for v in question.values] == [("a", "a"), ("f", "Flackert")]
