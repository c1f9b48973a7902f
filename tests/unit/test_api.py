import json

import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import TypeAdapter

from shop import api, errors


@pytest.mark.parametrize(("header", "version"), [(None, None), ("*", None), ('"3"', 3), ("7", 7), (' "12" ', 12)])
def test_given_if_match_when_parsed_then_version(header, version):
    assert api.parse_if_match(header) == version


@pytest.mark.parametrize("header", ['W/"3"', "abc", '"3', '"-1"', "", '"3", "4"', "9" * 30])
def test_given_malformed_if_match_when_parsed_then_invalid_precondition(header):
    with pytest.raises(errors.InvalidPrecondition):
        api.parse_if_match(header)


def test_given_every_domain_error_then_it_maps_to_a_client_error_or_a_retryable_unavailable():
    domain_errors = {
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.ShopError)
    }
    unmapped = {cls.__name__ for cls in domain_errors - {errors.ShopError} if cls not in api.PROBLEM_TYPES}
    assert unmapped == set()
    # 503 only for a dependency that is down: the client may retry; nothing maps to a 500.
    assert all(400 <= kind.status < 500 or kind.status == 503 for kind in api.PROBLEM_TYPES.values())
    assert {cls for cls, kind in api.PROBLEM_TYPES.items() if kind.status >= 500} == {
        errors.SearchUnavailable,
        errors.CheckoutUnavailable,
    }


def test_given_subclass_of_mapped_error_then_parent_mapping_applies():
    class VeryMissing(errors.ProductNotFound):
        pass

    assert api.problem_type_of(VeryMissing("x")).status == 404


def test_given_etag_when_round_tripped_through_if_match_then_same_version():
    assert api.parse_if_match(api.etag(41)) == 41


def authorizer_event(context: dict | None) -> dict:
    return {"requestContext": {"authorizer": context} if context is not None else {}}


def test_given_authorizer_context_then_principal_with_groups_from_json_list():
    principal = api.principal_of(authorizer_event({"user_id": "u1", "groups": '["admin", "a,b"]'}))
    assert principal == api.Principal(user_id="u1", groups=frozenset({"admin", "a,b"}))


@pytest.mark.parametrize(
    "context",
    [None, {}, {"user_id": ""}, {"user_id": "u1", "groups": "admin"}, {"user_id": "u1", "groups": '{"a": 1}'}],
)
def test_given_missing_or_malformed_authorizer_context_then_unauthenticated(context):
    with pytest.raises(errors.Unauthenticated):
        api.principal_of(authorizer_event(context))


def test_given_over_long_if_match_when_parsed_then_invalid_precondition_not_a_length_error():
    with pytest.raises(errors.InvalidPrecondition):
        api.parse_if_match(" " * 100 + '"3"')
    with pytest.raises(errors.InvalidPrecondition):
        TypeAdapter(api.IfMatch).validate_python("x" * 101)
    assert TypeAdapter(api.IfMatch).validate_python('"3"') == '"3"'


# The JSON body reader of every route: limits first, then json.loads.


def test_given_nesting_at_the_limit_when_read_then_parsed():
    depth = api.MAX_JSON_DEPTH
    assert api.read_json_body("[" * depth + "]" * depth) is not None


@pytest.mark.parametrize("depth", [api.MAX_JSON_DEPTH + 1, 10_000, 1_000_000])
def test_given_nesting_beyond_the_limit_when_read_then_refused_before_parsing(depth):
    with pytest.raises(RequestValidationError) as refused:
        api.read_json_body('{"a":' * depth + "1" + "}" * depth)
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
    assert api.read_json_body(text) == json.loads(text)


def test_given_unclosed_string_before_deep_nesting_when_read_then_still_refused():
    with pytest.raises(RequestValidationError):
        api.read_json_body('"' + "[" * 10_000)


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
        api.read_json_body(text)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(place, "int_too_long") for place in places]


def test_given_integers_within_the_limit_and_floats_when_read_then_values():
    assert api.read_json_body('{"a": -' + "9" * 64 + ', "b": 1.5e300}') == {"a": -int("9" * 64), "b": 1.5e300}


def test_given_replacement_character_when_read_then_not_utf8_but_escaped_one_is_text():
    with pytest.raises(RequestValidationError) as refused:
        api.read_json_body('{"name": "Caf\ufffd"}')
    assert [e["type"] for e in refused.value.errors()] == ["utf8_invalid"]
    assert api.read_json_body('{"name": "Caf\\ufffd"}') == {"name": "Caf\ufffd"}


def test_given_invalid_json_when_read_then_json_decode_error_for_powertools_to_report():
    with pytest.raises(json.JSONDecodeError):
        api.read_json_body("{not json")
