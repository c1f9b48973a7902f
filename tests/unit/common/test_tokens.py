"""Token verification against a real JWKS endpoint served by the dev dev_issuer."""

import time

import jwt
import pytest

from devstack.issuer import CLIENT_ID, ISSUER, DevIssuer
from shop.common.settings import TokenSettings
from shop.common.tokens import InvalidToken, bearer_token, jwks_client, verify_token


@pytest.fixture(scope="module")
def settings(jwks_url):
    yield TokenSettings(JWT_ISSUER=ISSUER, JWT_AUDIENCE=CLIENT_ID, JWKS_URL=jwks_url, JWT_LEEWAY_SECONDS=0)
    jwks_client.cache_clear()


def test_given_valid_access_token_when_verified_then_identity_and_groups(dev_issuer, settings):
    token = dev_issuer.mint("alice", ["admin", "staff"], token_use="access", aud=None, client_id=CLIENT_ID)
    identity = verify_token(token, settings)
    assert identity.user_id == "alice"
    assert identity.groups == ("admin", "staff")


def test_given_id_token_for_our_client_when_verified_then_accepted(dev_issuer, settings):
    token = dev_issuer.mint("bob", [])
    assert verify_token(token, settings).user_id == "bob"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},
        {"iss": "https://evil.example"},
        {"token_use": "access", "aud": None, "client_id": "other-client"},
        {"aud": "other-client"},
        {"token_use": "refresh"},
        {"cognito:groups": "admin"},
        {"sub": None},
    ],
    ids=["expired", "wrong-issuer", "other-client", "id-token-other-aud", "bad-token-use", "groups-not-list", "no-sub"],
)
def test_given_bad_claims_when_verified_then_invalid_token(dev_issuer, settings, claims):
    with pytest.raises(InvalidToken):
        verify_token(dev_issuer.mint("mallory", ["admin"], **claims), settings)


def test_given_token_signed_by_another_key_with_same_kid_when_verified_then_invalid(dev_issuer, settings, tmp_path):
    forger = DevIssuer(tmp_path)
    forger.kid = dev_issuer.kid  # claims to be signed by the real key
    with pytest.raises(InvalidToken):
        verify_token(forger.mint("mallory", ["admin"]), settings)


def test_given_unknown_kid_when_verified_then_invalid(settings, tmp_path):
    with pytest.raises(InvalidToken):
        verify_token(DevIssuer(tmp_path).mint("mallory", ["admin"]), settings)


def test_given_unsigned_token_when_verified_then_invalid(dev_issuer, settings):
    token = jwt.encode({"sub": "x", "iss": ISSUER}, key=None, algorithm="none", headers={"kid": dev_issuer.kid})
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
