import pytest
from pydantic import ValidationError

from shop.catalog.models import ProductCreate, ProductUpdate

VALID = {"name": "Kettle", "category": "kitchen", "price_cents": 2999, "stock": 4}


def error_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in issue["loc"]) for issue in error.errors()}


def test_given_minimal_body_when_parsed_then_defaults_apply():
    product = ProductCreate.model_validate(VALID)
    assert product.currency == "USD"
    assert product.tags == []
    assert product.description is None and product.brand is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("category", ""),
        ("category", "c" * 101),
        ("price_cents", -1),
        ("price_cents", 9.99),
        ("price_cents", "999"),
        ("price_cents", True),
        ("price_cents", 10**13),
        ("stock", -5),
        ("stock", 1.0),
        ("currency", "usd"),
        ("currency", "XYZ"),
        ("currency", "EURO"),
        ("tags", ["t"] * 21),
        ("tags", [""]),
        ("description", "d" * 5001),
    ],
)
def test_given_invalid_field_when_creating_then_validation_names_it(field, value):
    with pytest.raises(ValidationError) as raised:
        ProductCreate.model_validate({**VALID, field: value})
    assert any(location.startswith(field) for location in error_fields(raised.value))


def test_given_unknown_field_when_creating_then_rejected():
    with pytest.raises(ValidationError) as raised:
        ProductCreate.model_validate({**VALID, "discount": 5})
    assert error_fields(raised.value) == {"discount"}


def test_given_boundary_values_when_creating_then_accepted():
    product = ProductCreate.model_validate(
        {**VALID, "name": "n" * 200, "price_cents": 0, "stock": 0, "currency": "JPY", "tags": ["t"] * 20}
    )
    assert product.price_cents == 0 and product.currency == "JPY" and len(product.tags) == 20


def test_given_empty_patch_when_parsed_then_rejected():
    with pytest.raises(ValidationError):
        ProductUpdate.model_validate({})


@pytest.mark.parametrize("field", ["name", "category", "price_cents", "currency", "stock"])
def test_given_null_for_required_field_when_patching_then_rejected_by_name(field):
    with pytest.raises(ValidationError) as raised:
        ProductUpdate.model_validate({field: None})
    assert error_fields(raised.value) == {field}


def test_given_null_for_optional_field_when_patching_then_it_is_a_change_to_clear():
    update = ProductUpdate.model_validate({"brand": None, "stock": 3})
    assert update.changes() == {"brand": None, "stock": 3}


# One text rule for every free-text field: no control, format or invisible characters.

REFUSED = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
    "\u00ad",
    "\u061c",
    "\u200b",
    "\u200e",
    "\u202a",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u2060",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\U000e0041",
    "\ud800",
]


@pytest.mark.parametrize("character", REFUSED)
@pytest.mark.parametrize("field", ["name", "category", "brand", "description"])
def test_given_control_or_invisible_character_in_text_then_refused_naming_the_field(field, character):
    with pytest.raises(ValidationError) as refused:
        ProductCreate.model_validate({**VALID, field: f"a{character}b"})
    assert [(issue["loc"], issue["type"]) for issue in refused.value.errors()] == [((field,), "text_character")]
    assert f"U+{ord(character):04X}" in refused.value.errors()[0]["msg"]


@pytest.mark.parametrize("character", ["\t", "\n", "\r"])
def test_given_tab_or_line_break_then_only_multi_line_text_takes_it(character):
    assert ProductCreate.model_validate({**VALID, "description": f"a{character}b"}).description == f"a{character}b"
    with pytest.raises(ValidationError):
        ProductCreate.model_validate({**VALID, "name": f"a{character}b"})
    with pytest.raises(ValidationError):
        ProductUpdate.model_validate({"tags": [f"a{character}b"]})


@pytest.mark.parametrize("text", ["می\u200cخواهم", "👩\u200d💻", "Ünïcödé ✓ 漢字", "🏳️\u200d🌈"])
def test_given_joiners_and_visible_text_then_accepted_as_is(text):
    assert ProductCreate.model_validate({**VALID, "name": text}).name == text


def test_given_control_character_at_either_end_then_refused_not_stripped():
    for name in ("\x1cKettle", "Kettle\x1f", "\u2028Kettle"):
        with pytest.raises(ValidationError):
            ProductCreate.model_validate({**VALID, "name": name})
