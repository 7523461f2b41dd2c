"""Categories and their extra questions through the admin forms."""

from __future__ import annotations

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.core.enums import AttributeType
from tests.admin.conftest import count, fresh


def control(page: str, name: str) -> str:
    """The tag of the form control called ``name``."""
    start = page.index(f'name="{name}"')
    return page[page.rindex("<", 0, start) : page.index(">", start) + 1]


def group_id(code: str) -> int:
    return fresh(CategoryGroup, code=code).id


def category_form(**overrides) -> dict:
    data = {
        "code": "hundekot",
        "group": str(group_id("sauberkeit")),
        "name_de": "Hundekot",
        "name_en": "Dog fouling",
        "description_de": "Hinterlassenschaften auf Gehweg oder Wiese.",
        "description_en": "Dog mess on a pavement or lawn.",
        "keywords": "Hund, Kot",
        "target_working_days": "3",
        "nearby_radius_m": "40",
        "is_active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_list_is_grouped(as_admin):
    page = as_admin.text(as_admin.get("/admin/categories"))
    assert page.index("Cleanliness") < page.index("Litter bin full") < page.index("Lighting")
    assert "papierkorb-voll" in page


def test_create_a_category(as_admin, reseed_city):
    response = as_admin.post("/admin/categories/new", category_form())
    assert response.status_code == 302
    category = fresh(Category, code="hundekot")
    assert response.headers["Location"] == f"/admin/categories/{category.id}"
    assert category.names == {"de": "Hundekot", "en": "Dog fouling"}
    assert category.group.code == "sauberkeit"
    assert (category.target_working_days, category.nearby_radius_m) == (3, 40)
    assert category.is_active and not category.is_sensitive
    page = as_admin.text(as_admin.get(response.headers["Location"]))
    assert "Saved the category “Dog fouling”." in page
    # residents can choose it at once
    assert 'value="hundekot"' in as_admin.get("/report").get_data(as_text=True)


def test_a_category_in_turkish_and_arabic(as_admin, reseed_city):
    form = category_form(
        name_tr="Köpek dışkısı",
        name_ar="فضلات الكلاب",
        description_ar="فضلات كلاب على الرصيف أو العشب.",
    )
    assert as_admin.post("/admin/categories/new", form).status_code == 302
    category = fresh(Category, code="hundekot")
    assert category.names == {
        "de": "Hundekot",
        "en": "Dog fouling",
        "tr": "Köpek dışkısı",
        "ar": "فضلات الكلاب",
    }
    assert category.descriptions["ar"] == "فضلات كلاب على الرصيف أو العشب."
    assert "tr" not in category.descriptions  # left empty: Turkish pages show the German one
    page = as_admin.text(as_admin.get(f"/admin/categories/{category.id}"))
    assert 'value="فضلات الكلاب"' in control(page, "name_ar")
    assert 'lang="ar" dir="rtl"' in control(page, "name_ar")
    assert 'lang="tr"' in control(page, "name_tr")
    turkish = as_admin.get("/report?lang=tr").get_data(as_text=True)
    assert "Köpek dışkısı" in turkish and "Hinterlassenschaften auf Gehweg" in turkish


def test_bad_input_is_refused_field_by_field_and_changes_nothing(as_admin, reseed_city):
    before = count(Category)
    response = as_admin.post(
        "/admin/categories/new",
        category_form(
            code="Hunde Kot!",
            name_de="",
            group="",
            nearby_radius_m="99999",
            target_working_days="0",
        ),
    )
    assert response.status_code == 422
    page = as_admin.text(response)
    assert "Use only lowercase letters a–z, digits and “-”" in page
    assert "Please enter the German name." in page
    assert "Please choose a group." in page
    assert "Please give a distance in metres from 1 to 5000" in page
    assert "Please give a whole number of working days from 1 to 365" in page
    assert 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert count(Category) == before

    response = as_admin.post("/admin/categories/new", category_form(target_working_days="drei"))
    assert response.status_code == 422
    assert "Please enter a whole number, e.g. 3." in as_admin.text(response)
    response = as_admin.post("/admin/categories/new", category_form(code="papierkorb-voll"))
    assert response.status_code == 422
    assert "There is already a category with the code “papierkorb-voll”." in as_admin.text(response)
    response = as_admin.post("/admin/categories/new", category_form(group="abc"))
    assert response.status_code == 422
    assert count(Category) == before


def test_edit_a_category(as_admin, reseed_city):
    category = fresh(Category, code="baum")
    response = as_admin.post(
        f"/admin/categories/{category.id}",
        category_form(
            code="baum",
            group=str(group_id("gruen")),
            name_de="Baum, Ast",
            name_en="Tree, branch",
            description_de="",
            description_en="",
            keywords="",
            target_working_days="",
            nearby_radius_m="",
            is_sensitive="y",
            is_active=None,
        ),
    )
    assert response.status_code == 302
    category = fresh(Category, code="baum")
    assert category.names == {"de": "Baum, Ast", "en": "Tree, branch"}
    assert category.descriptions == {}
    assert category.target_working_days is None and category.nearby_radius_m is None
    assert category.is_sensitive and not category.is_active
    assert 'value="baum"' not in as_admin.get("/report").get_data(as_text=True)


def test_the_code_is_fixed_once_reports_use_it(as_admin, reseed_city, make_report):
    make_report("papierkorb-voll", (51.5136, 7.4653))
    category = fresh(Category, code="papierkorb-voll")
    page = as_admin.text(as_admin.get(f"/admin/categories/{category.id}"))
    assert "readonly" in page
    response = as_admin.post(
        f"/admin/categories/{category.id}",
        category_form(code="papierkorb", group=str(category.group_id), name_de="Papierkorb voll"),
    )
    assert response.status_code == 422
    assert "The code cannot be changed any more: 1 reports use it" in as_admin.text(response)
    assert fresh(Category, code="papierkorb-voll") is not None
    # without reports it can still change
    radweg = fresh(Category, code="radweg")
    response = as_admin.post(
        f"/admin/categories/{radweg.id}",
        category_form(code="radweg-schaden", group=str(radweg.group_id), name_de="Radweg"),
    )
    assert response.status_code == 302
    assert fresh(Category, code="radweg-schaden").id == radweg.id


# --- questions --------------------------------------------------------------------------------


def question_form(**overrides) -> dict:
    data = {
        "code": "menge",
        "datatype": "singlevaluelist",
        "label_de": "Wie viel?",
        "label_en": "How much?",
        "help_de": "",
        "help_en": "",
        "values": "wenig = ein bisschen | a little\nviel = sehr viel | a lot\n",
        "max_length": "",
        "position": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_add_edit_and_delete_a_question(as_admin, reseed_city):
    category = fresh(Category, code="unsicherer-ort")
    url = f"/admin/categories/{category.id}/questions"
    response = as_admin.post(f"{url}/new", question_form(is_required="y", position="1"))
    assert response.status_code == 302
    category = fresh(Category, code="unsicherer-ort")
    assert [a.code for a in category.attributes] == ["menge", "time_of_day", "reasons"]
    question = category.attributes[0]
    assert question.datatype == AttributeType.SINGLEVALUELIST and question.is_required
    assert question.values == [
        {"key": "wenig", "names": {"de": "ein bisschen", "en": "a little"}},
        {"key": "viel", "names": {"de": "sehr viel", "en": "a lot"}},
    ]
    form = as_admin.text(as_admin.get(f"{url}/{question.id}"))
    assert "wenig = ein bisschen | a little" in form
    # the resident form asks it
    assert 'name="attribute.menge"' in as_admin.get("/report").get_data(as_text=True)

    response = as_admin.post(
        f"{url}/{question.id}",
        question_form(datatype="string", values="", max_length="30", position="3", label_en=""),
    )
    assert response.status_code == 302
    category = fresh(Category, code="unsicherer-ort")
    assert [a.code for a in category.attributes] == ["time_of_day", "reasons", "menge"]
    assert [a.position for a in category.attributes] == [0, 1, 2]
    question = category.attributes[2]
    assert (question.datatype, question.max_length, question.values) == (
        AttributeType.STRING,
        30,
        [],
    )
    assert question.labels == {"de": "Wie viel?"} and not question.is_required

    page = as_admin.text(as_admin.get(f"{url}/{question.id}/delete"))
    assert "Delete the question “Wie viel?”?" in page
    response = as_admin.post(f"{url}/{question.id}/delete")
    assert response.status_code == 302
    assert [a.code for a in fresh(Category, code="unsicherer-ort").attributes] == [
        "time_of_day",
        "reasons",
    ]


def test_questions_and_answers_in_all_four_languages(as_admin, reseed_city):
    category = fresh(Category, code="papierkorb-voll")
    url = f"/admin/categories/{category.id}/questions"
    form = question_form(
        label_tr="Ne kadar?",
        label_ar="كم؟",
        help_ar="تقدير تقريبي يكفي.",
        values="wenig = ein bisschen | a little | biraz | قليل\nviel = sehr viel | | çok\n",
    )
    assert as_admin.post(f"{url}/new", form).status_code == 302
    [question] = fresh(Category, code="papierkorb-voll").attributes
    assert question.labels == {
        "de": "Wie viel?",
        "en": "How much?",
        "tr": "Ne kadar?",
        "ar": "كم؟",
    }
    assert question.help_texts == {"ar": "تقدير تقريبي يكفي."}
    assert question.values == [
        {
            "key": "wenig",
            "names": {"de": "ein bisschen", "en": "a little", "tr": "biraz", "ar": "قليل"},
        },
        {"key": "viel", "names": {"de": "sehr viel", "tr": "çok"}},
    ]
    page = as_admin.text(as_admin.get(f"{url}/{question.id}"))
    assert "wenig = ein bisschen | a little | biraz | قليل" in page
    assert "viel = sehr viel |  | çok\n" in page or "viel = sehr viel |  | çok<" in page
    assert 'value="كم؟"' in control(page, "label_ar")
    assert 'lang="ar" dir="rtl"' in control(page, "label_ar")
    # residents see them, German where a language is missing
    turkish = as_admin.get("/report?lang=tr").get_data(as_text=True)
    assert "Ne kadar?" in turkish and "biraz" in turkish and "sehr viel" not in turkish
    arabic = as_admin.get("/report?lang=ar").get_data(as_text=True)
    assert "كم؟" in arabic and "قليل" in arabic and "sehr viel" in arabic


def test_bad_questions_are_refused(as_admin, reseed_city):
    category = fresh(Category, code="papierkorb-voll")
    url = f"/admin/categories/{category.id}/questions/new"
    before = count(CategoryAttribute)
    cases = [
        (
            question_form(values="wenig ein bisschen"),
            "Line 1: please write it as “key = Deutsch | English | Türkçe | العربية”.",
        ),
        (
            question_form(values="a = A | B | C | D | E"),
            "Line 1: please write it as “key = Deutsch | English | Türkçe | العربية”.",
        ),
        (question_form(values="Wenig = x"), "Line 1: the key may use only lowercase letters"),
        (question_form(values=""), "A list question needs at least one choice."),
        (question_form(values="a = A\na = B"), "The key “a” is used twice."),
        (question_form(datatype="number"), "Only list questions have choices"),
        (
            question_form(datatype="number", values="", max_length="5"),
            "Only text questions have a maximum length",
        ),
        (question_form(datatype="colour"), "Please choose a type."),
        (question_form(code="Menge"), "Use only lowercase letters a–z, digits, “-” and “_”"),
        (question_form(label_de=""), "Please enter the German question."),
        (
            question_form(max_length="x", datatype="string", values=""),
            "Please enter a whole number, e.g. 3.",
        ),
    ]
    for data, message in cases:
        response = as_admin.post(url, data)
        assert response.status_code == 422, message
        assert message in as_admin.text(response), message
    assert count(CategoryAttribute) == before


def test_questions_that_rules_use_are_protected(as_admin, reseed_city):
    """The copy rule "Unsicherer Ort with reason 'zu dunkel'" uses reasons=dark."""
    category = fresh(Category, code="unsicherer-ort")
    reasons = next(a for a in category.attributes if a.code == "reasons")
    url = f"/admin/categories/{category.id}/questions/{reasons.id}"
    response = as_admin.post(f"{url}/delete")
    assert response.status_code == 409
    assert "Routing rule 8 uses this question; change that rule first." in as_admin.text(response)

    lines = "\n".join(
        f"{v['key']} = {v['names']['de']}" for v in reasons.values if v["key"] != "dark"
    )
    response = as_admin.post(
        url,
        question_form(code="reasons", datatype="multivaluelist", label_de="Warum?", values=lines),
    )
    assert response.status_code == 422
    assert "Routing rule 8 uses the choice “dark”" in as_admin.text(response)
    response = as_admin.post(
        url,
        question_form(
            code="gruende",
            datatype="multivaluelist",
            label_de="Warum?",
            values=lines + "\ndark = d",
        ),
    )
    assert response.status_code == 422
    assert "Routing rule 8 uses this question" in as_admin.text(response)
    assert [a.code for a in fresh(Category, code="unsicherer-ort").attributes] == [
        "time_of_day",
        "reasons",
    ]
