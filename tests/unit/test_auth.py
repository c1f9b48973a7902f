"""Token verification against a real JWKS endpoint served by the dev issuer."""

import socket
import time

import jwt
import pytest

from devstack.issuer import CLIENT_ID, ISSUER, JWKS_PATH, DevIssuer, serve_jwks
from shop.auth import InvalidToken, bearer_token, jwks_client, verify_token
from shop.settings import AuthorizerSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    return DevIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def settings(issuer):
    port = free_port()
    server = serve_jwks(issuer, "127.0.0.1", port)
    yield AuthorizerSettings(
        JWT_ISSUER=ISSUER, JWT_AUDIENCE=CLIENT_ID, JWKS_URL=f"http://127.0.0.1:{port}{JWKS_PATH}", JWT_LEEWAY_SECONDS=0
    )
    server.shutdown()
    jwks_client.cache_clear()


def test_given_valid_access_token_when_verified_then_identity_and_groups(issuer, settings):
    identity = verify_token(issuer.mint("alice", ["admin", "staff"]), settings)
    assert identity.user_id == "alice"
    assert identity.groups == ("admin", "staff")


def test_given_id_token_for_our_client_when_verified_then_accepted(issuer, settings):
    token = issuer.mint("bob", [], token_use="id", aud=CLIENT_ID, client_id=None)
    assert verify_token(token, settings).user_id == "bob"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},
        {"iss": "https://evil.example"},
        {"client_id": "other-client"},
        {"token_use": "id", "aud": "other-client"},
        {"token_use": "refresh"},
        {"cognito:groups": "admin"},
        {"sub": None},
    ],
    ids=["expired", "wrong-issuer", "other-client", "id-token-other-aud", "bad-token-use", "groups-not-list", "no-sub"],
)
def test_given_bad_claims_when_verified_then_invalid_token(issuer, settings, claims):
    with pytest.raises(InvalidToken):
        verify_token(issuer.mint("mallory", ["admin"], **claims), settings)


def test_given_token_signed_by_another_key_with_same_kid_when_verified_then_invalid(issuer, settings, tmp_path):
    forger = DevIssuer(tmp_path)
    forger.kid = issuer.kid  # claims to be signed by the real key
    with pytest.raises(InvalidToken):
        verify_token(forger.mint("mallory", ["admin"]), settings)


def test_given_unknown_kid_when_verified_then_invalid(settings, tmp_path):
    with pytest.raises(InvalidToken):
        verify_token(DevIssuer(tmp_path).mint("mallory", ["admin"]), settings)


def test_given_unsigned_token_when_verified_then_invalid(issuer, settings):
    token = jwt.encode({"sub": "x", "iss": ISSUER}, key=None, algorithm="none", headers={"kid": issuer.kid})
    with pytest.raises(InvalidToken):
        verify_token(token, settings)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_given_malformed_token_when_verified_then_invalid(settings, token):
    with pytest.raises(InvalidToken):
        verify_token(token, settings)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "token"])
def test_given_malformed_authorization_header_then_invalid_token(header):
    with pytest.raises(InvalidToken):
        bearer_token(header)


def test_given_bearer_header_any_case_then_token_extracted():
    assert bearer_token("bearer abc.def.ghi") == "abc.def.ghi"
