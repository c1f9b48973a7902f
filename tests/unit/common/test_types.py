"""Ids: UUIDs in any case, continued in lowercase; in a path, anything else is the resource's not-found error.
Free text, currencies and countries: the schema states the rule the validators apply."""

import re
import unicodedata

import pytest
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from shop.catalog.errors import ProductNotFound
from shop.catalog.models import ProductPathId
from shop.commerce.errors import OrderNotFound
from shop.commerce.models import Country, OrderPathId
from shop.common.countries import ISO_3166_1_ALPHA_2
from shop.common.currencies import ISO_4217_CODES
from shop.common.types import MULTI_LINE, SINGLE_LINE, Currency, Uuid4

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


def _refused_in_bmp(allowed: frozenset[str]) -> set[str]:
    return {
        chr(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF
        and unicodedata.category(chr(code)) in {"Cc", "Cf", "Cs", "Zl", "Zp"}
        and chr(code) not in allowed
    }


@pytest.mark.parametrize(
    ("annotation", "allowed"),
    [(SINGLE_LINE, frozenset("\u200c\u200d")), (MULTI_LINE, frozenset("\u200c\u200d\t\n\r"))],
    ids=["single-line", "multi-line"],
)
def test_given_the_text_rule_when_documented_as_a_pattern_then_the_pattern_refuses_exactly_what_the_check_refuses(
    annotation, allowed
):
    pattern = re.compile(annotation.pattern)
    refused = _refused_in_bmp(allowed)
    bmp = (chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF)
    disagreements = [
        f"U+{ord(character):04X}"
        for character in bmp
        if (pattern.fullmatch(f"a{character}b") is None) != (character in refused)
    ]
    assert disagreements == []
    # And the check itself refuses every one of them.
    for character in sorted(refused)[:: max(1, len(refused) // 50)]:
        with pytest.raises(PydanticCustomError):
            annotation.check(f"a{character}b")


def test_given_currency_and_country_types_when_in_the_schema_then_they_list_the_iso_codes():
    currency = TypeAdapter(Currency).json_schema()
    country = TypeAdapter(Country).json_schema()
    assert currency["enum"] == sorted(ISO_4217_CODES)
    assert country["enum"] == sorted(ISO_3166_1_ALPHA_2)
    assert "XX" not in country["enum"]
