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
