import pytest
from pydantic import TypeAdapter

from shop.catalog.errors import InvalidPrecondition
from shop.catalog.etags import IfMatch, etag, parse_if_match


@pytest.mark.parametrize(("header", "version"), [(None, None), ("*", None), ('"3"', 3), ("7", 7), (' "12" ', 12)])
def test_given_if_match_when_parsed_then_version(header, version):
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ['W/"3"', "abc", '"3', '"-1"', "", '"3", "4"', "9" * 30])
def test_given_malformed_if_match_when_parsed_then_invalid_precondition(header):
    with pytest.raises(InvalidPrecondition):
        parse_if_match(header)


def test_given_etag_when_round_tripped_through_if_match_then_same_version():
    assert parse_if_match(etag(41)) == 41


def test_given_over_long_if_match_when_parsed_then_invalid_precondition_not_a_length_error():
    with pytest.raises(InvalidPrecondition):
        parse_if_match(" " * 100 + '"3"')
    with pytest.raises(InvalidPrecondition):
        TypeAdapter(IfMatch).validate_python("x" * 101)
    assert TypeAdapter(IfMatch).validate_python('"3"') == '"3"'
