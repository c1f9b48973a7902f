"""Ids: UUIDs in any case, continued in lowercase; in a path, anything else is the resource's not-found error."""

import pytest
from pydantic import TypeAdapter, ValidationError

from shop.catalog.errors import ProductNotFound
from shop.catalog.models import ProductPathId
from shop.commerce.errors import OrderNotFound
from shop.commerce.models import OrderPathId
from shop.common.types import Uuid4

PRODUCT_ID = "0b4c7a1e-3f6d-4a5b-9c8d-112233445566"


@pytest.mark.parametrize("given", [PRODUCT_ID, PRODUCT_ID.upper(), "0B4c7A1e-3F6d-4A5b-9C8d-112233445566"])
def test_given_uuid4_in_any_case_then_lowercase_canonical_form(given):
    assert TypeAdapter(Uuid4).validate_python(given) == PRODUCT_ID
    assert TypeAdapter(ProductPathId).validate_python(given) == PRODUCT_ID
    assert TypeAdapter(OrderPathId).validate_python(given) == PRODUCT_ID


@pytest.mark.parametrize("given", ["nope", "", PRODUCT_ID + "\n", PRODUCT_ID[:-1], PRODUCT_ID.replace("-4", "-1"), 7])
def test_given_malformed_id_in_a_path_then_not_found_error_of_its_resource(given):
    with pytest.raises(ProductNotFound):
        TypeAdapter(ProductPathId).validate_python(given)
    with pytest.raises(OrderNotFound):
        TypeAdapter(OrderPathId).validate_python(given)
    with pytest.raises(ValidationError):
        TypeAdapter(Uuid4).validate_python(given)


def test_given_very_long_malformed_id_then_the_error_shows_only_its_start():
    with pytest.raises(ProductNotFound) as missing:
        TypeAdapter(ProductPathId).validate_python("x" * 5000)
    assert len(str(missing.value)) < 200
