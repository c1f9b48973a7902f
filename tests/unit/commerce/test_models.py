"""Shipping addresses: the text rule on every field, ISO 3166-1 countries, and orders that keep reading old ones."""

import pytest
from pydantic import ValidationError

from shop.commerce.models import Address, ShippingAddress
from shop.common.countries import ISO_3166_1_ALPHA_2

ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "London", "postal_code": "N1 1AA", "country": "GB"}


@pytest.mark.parametrize("field", ["name", "line1", "line2", "city", "postal_code"])
def test_given_control_character_in_a_shipping_field_then_refused_naming_it(field):
    with pytest.raises(ValidationError) as refused:
        ShippingAddress.model_validate({**ADDRESS, field: "\x00"})
    assert [issue["loc"] for issue in refused.value.errors()] == [(field,)]


@pytest.mark.parametrize("country", ["XX", "EU", "UK", "AA", "QM", "ZZ", "gb", "GBR", ""])
def test_given_code_outside_iso_3166_1_alpha_2_then_refused(country):
    with pytest.raises(ValidationError) as refused:
        ShippingAddress.model_validate({**ADDRESS, "country": country})
    assert [issue["loc"] for issue in refused.value.errors()] == [("country",)]


def test_given_the_iso_3166_1_list_then_249_two_letter_codes():
    assert len(ISO_3166_1_ALPHA_2) == 249
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in ISO_3166_1_ALPHA_2)
    assert {"GB", "US", "DE", "SS", "CW", "AX"} <= ISO_3166_1_ALPHA_2


def test_given_address_stored_before_a_rule_then_an_order_still_reads_it():
    stored = {**ADDRESS, "country": "XX", "name": "Ada\x00"}
    assert Address.model_validate(stored).country == "XX"
    assert ShippingAddress.model_validate(ADDRESS) == Address.model_validate(ADDRESS)
