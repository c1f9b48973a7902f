import io
import json
import logging

import pytest

from devstack.issuer import CLIENT_ID, ISSUER, DevIssuer
from shop.common.settings import token_settings
from shop.common.tokens import jwks_client
from tests.handlers.conftest import event, load_function, values


@pytest.fixture
def authorizer(jwks_url, monkeypatch):
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", CLIENT_ID)
    monkeypatch.setenv("JWKS_URL", jwks_url)
    token_settings.cache_clear()
    jwks_client.cache_clear()
    yield load_function("authorizer")
    token_settings.cache_clear()
    jwks_client.cache_clear()


def token_event(token: str) -> dict:
    return {**event("authorizer"), "authorizationToken": f"Bearer {token}"}


def test_given_admin_token_when_authorizing_then_allows_every_route_with_identity(authorizer, dev_issuer, context):
    policy = authorizer.lambda_handler(token_event(dev_issuer.mint("alice", ["admin"])), context)
    statement = policy["policyDocument"]["Statement"][0]
    assert policy["principalId"] == "alice"
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    # The whole API, not just the method called: API Gateway caches this policy per token.
    assert statement["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:1234567890/v1/*/*"]
    assert policy["context"] == {"user_id": "alice", "groups": '["admin"]'}


def test_given_token_without_groups_when_authorizing_then_allowed_with_empty_groups(authorizer, dev_issuer, context):
    policy = authorizer.lambda_handler(token_event(dev_issuer.mint("bob", [])), context)
    assert policy["context"] == {"user_id": "bob", "groups": "[]"}


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"],
)
def test_given_malformed_authorization_when_authorizing_then_unauthorized(authorizer, context, authorization):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler({**event("authorizer"), "authorizationToken": authorization}, context)


def test_given_expired_token_when_authorizing_then_unauthorized(authorizer, dev_issuer, context):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(token_event(dev_issuer.mint("alice", ["admin"], ttl_seconds=-120)), context)


def test_given_token_from_another_issuer_key_when_authorizing_then_unauthorized(authorizer, context, tmp_path):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(token_event(DevIssuer(tmp_path).mint("mallory", ["admin"])), context)


def test_given_token_when_authorizing_then_token_never_logged(authorizer, dev_issuer, context):
    # Powertools' Logger writes through the stdlib logger named after the service, whatever stream
    # it bound first; a handler of our own sees every record, formatted as in production.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(authorizer.logger.registered_formatter)
    stdlib_logger = logging.getLogger(authorizer.logger.name)
    stdlib_logger.addHandler(handler)
    try:
        token = dev_issuer.mint("alice", ["admin"])
        authorizer.lambda_handler(token_event(token), context)
        with pytest.raises(Exception, match="Unauthorized"):
            authorizer.lambda_handler(token_event(token + "x"), context)
    finally:
        stdlib_logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "token rejected" in logged  # the log was captured, so the next line can fail
    assert token not in logged


def test_given_rejected_token_when_authorizing_then_denial_counted_and_an_allowed_one_not(
    authorizer, dev_issuer, context, published
):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(token_event(dev_issuer.mint("alice", ["admin"], ttl_seconds=-120)), context)
    assert values(published(), "AuthorizerDenied") == [1]
    authorizer.lambda_handler(token_event(dev_issuer.mint("alice", ["admin"])), context)
    assert values(published(), "AuthorizerDenied") == []


def test_given_token_event_when_rejected_then_logged_without_correlation_id_or_token(
    authorizer, dev_issuer, context, logged
):
    token = dev_issuer.mint("alice", ["admin"], ttl_seconds=-120)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(token_event(token), context)
    [line] = [line for line in logged() if line["message"] == "token rejected"]
    # A TOKEN event names no request; the invocation is still identified by Lambda's own request id.
    assert "correlation_id" not in line and line["function_request_id"] == context.aws_request_id
    assert token not in json.dumps(line)
