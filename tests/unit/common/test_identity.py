import pytest

from shop.common import errors
from shop.common.identity import Principal, principal_of


def authorizer_event(context: dict | None) -> dict:
    return {"requestContext": {"authorizer": context} if context is not None else {}}


def test_given_authorizer_context_then_principal_with_groups_from_json_list():
    principal = principal_of(authorizer_event({"user_id": "u1", "groups": '["admin", "a,b"]'}))
    assert principal == Principal(user_id="u1", groups=frozenset({"admin", "a,b"}))
    assert principal.is_admin


@pytest.mark.parametrize(
    "context",
    [None, {}, {"user_id": ""}, {"user_id": "u1", "groups": "admin"}, {"user_id": "u1", "groups": '{"a": 1}'}],
)
def test_given_missing_or_malformed_authorizer_context_then_unauthenticated(context):
    with pytest.raises(errors.Unauthenticated):
        principal_of(authorizer_event(context))
