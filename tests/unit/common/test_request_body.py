"""The JSON body reader of every route: limits first, then json.loads."""

import json

import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shop.common.request_body import MAX_JSON_DEPTH, read_json_body


def test_given_nesting_at_the_limit_when_read_then_parsed():
    depth = MAX_JSON_DEPTH
    assert read_json_body("[" * depth + "]" * depth) is not None


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000, 1_000_000])
def test_given_nesting_beyond_the_limit_when_read_then_refused_before_parsing(depth):
    with pytest.raises(RequestValidationError) as refused:
        read_json_body('{"a":' * depth + "1" + "}" * depth)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("body",), "json_too_deep")]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "' + "[" * 100 + '"}',  # brackets in a string
        '{"a": "\\"' + "{" * 100 + '"}',  # after an escaped quote, still in the string
        '{"' + "[" * 100 + '": 1}',  # in a key
    ],
)
def test_given_brackets_inside_strings_when_read_then_not_counted(text):
    assert read_json_body(text) == json.loads(text)


def test_given_unclosed_string_before_deep_nesting_when_read_then_still_refused():
    with pytest.raises(RequestValidationError):
        read_json_body('"' + "[" * 10_000)


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ('{"price_cents": 1' + "0" * 4_300 + "}", [("body", "price_cents")]),
        ("[1, -" + "9" * 65 + "]", [("body", 1)]),
        ('{"a": [{"b": ' + "7" * 100 + '}], "c": ' + "8" * 70 + "}", [("body", "a", 0, "b"), ("body", "c")]),
    ],
)
def test_given_integers_longer_than_the_limit_when_read_then_refused_naming_each_place(text, places):
    with pytest.raises(RequestValidationError) as refused:
        read_json_body(text)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(place, "int_too_long") for place in places]


def test_given_integers_within_the_limit_and_floats_when_read_then_values():
    assert read_json_body('{"a": -' + "9" * 64 + ', "b": 1.5e300}') == {"a": -int("9" * 64), "b": 1.5e300}


def test_given_replacement_character_when_read_then_not_utf8_but_escaped_one_is_text():
    with pytest.raises(RequestValidationError) as refused:
        read_json_body('{"name": "Caf\ufffd"}')
    assert [e["type"] for e in refused.value.errors()] == ["utf8_invalid"]
    assert read_json_body('{"name": "Caf\\ufffd"}') == {"name": "Caf\ufffd"}


def test_given_invalid_json_when_read_then_json_decode_error_for_powertools_to_report():
    with pytest.raises(json.JSONDecodeError):
        read_json_body("{not json")
