import pytest

from shop.common import errors
from shop.common.identity import Principal, principal_of


def authorizer_event(claims: dict | None) -> dict:
    return {"requestContext": {"authorizer": {"claims": claims}} if claims is not None else {}}


def test_given_claims_then_principal_with_groups_split_on_commas_as_api_gateway_joins_them():
    principal = principal_of(authorizer_event({"sub": "u1", "cognito:groups": "admin,staff", "token_use": "id"}))
    assert principal == Principal(user_id="u1", groups=frozenset({"admin", "staff"}))
    assert principal.is_admin


@pytest.mark.parametrize(("claim", "groups"), [("customer", {"customer"}), ("", set()), (None, set())])
def test_given_one_or_no_group_then_principal_with_those_groups(claim, groups):
    claims = {"sub": "u1"} if claim is None else {"sub": "u1", "cognito:groups": claim}
    principal = principal_of(authorizer_event(claims))
    assert principal.groups == frozenset(groups) and not principal.is_admin


def test_given_groups_as_a_list_then_taken_as_they_are():
    assert principal_of(authorizer_event({"sub": "u1", "cognito:groups": ["admin"]})).is_admin


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"sub": ""},
        {"sub": 7},
        {"sub": "u1", "cognito:groups": {"a": 1}},
        {"sub": "u1", "cognito:groups": [1]},
    ],
)
def test_given_missing_or_malformed_claims_then_unauthenticated(claims):
    with pytest.raises(errors.Unauthenticated):
        principal_of(authorizer_event(claims))


def test_given_a_lambda_authorizer_context_instead_of_claims_then_unauthenticated():
    event = {"requestContext": {"authorizer": {"user_id": "u1", "groups": '["admin"]'}}}
    with pytest.raises(errors.Unauthenticated):
        principal_of(event)
