import pytest

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
