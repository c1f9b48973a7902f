"""The local OpenID Connect provider: discovery, the sign-in page, code + PKCE, tokens, sign-out."""

import base64
import hashlib
import http.client
import json
import re
import secrets
import urllib.parse

import jwt
import pytest
import requests

from devstack.common import free_port
from devstack.issuer import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    DISCOVERY_PATH,
    END_SESSION_PATH,
    TOKEN_PATH,
    DevIssuer,
    OidcProvider,
    issuer_url,
    serve_provider,
)

WEB = "http://127.0.0.1:5173"
CALLBACK = f"{WEB}/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    port = free_port()
    issuer = DevIssuer(tmp_path_factory.mktemp("oidc"), issuer_url("127.0.0.1", port))
    server = serve_provider(OidcProvider(issuer, [WEB, "http://localhost:5173"]), "127.0.0.1", port)
    yield issuer
    server.shutdown()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization(challenge: str, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid email profile",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }


def sign_in(provider: DevIssuer, params: dict[str, str], user: str = "alice", admin: bool = False) -> requests.Response:
    form = {**params, "username": user, **({"admin": "yes"} if admin else {})}
    return requests.post(provider.issuer + AUTHORIZE_PATH, data=form, allow_redirects=False, timeout=10)


def open_authorize(provider: DevIssuer, params: dict[str, str]) -> requests.Response:
    return requests.get(provider.issuer + AUTHORIZE_PATH, params=params, allow_redirects=False, timeout=10)


def code_from(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == "state-123"
    return query["code"]


def redeem(provider: DevIssuer, code: str, verifier: str, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
        **overrides,
    }
    return requests.post(provider.issuer + TOKEN_PATH, data=form, headers={"Origin": WEB}, timeout=10)


def test_given_provider_when_discovery_fetched_then_issuer_is_its_own_url_and_endpoints_under_it(provider):
    response = requests.get(provider.issuer + DISCOVERY_PATH, headers={"Origin": WEB}, timeout=10)
    document = response.json()
    assert document["issuer"] == provider.issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint"):
        assert document[endpoint].startswith(provider.issuer + "/")
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert response.headers["Access-Control-Allow-Origin"] == WEB
    keys = requests.get(document["jwks_uri"], timeout=10).json()["keys"]
    assert [key["kid"] for key in keys] == [provider.kid]


def test_given_authorization_request_when_page_opened_then_it_has_the_labelled_fields_and_no_scripts(provider):
    _, challenge = pkce()
    response = requests.get(provider.issuer + AUTHORIZE_PATH, params=authorization(challenge), timeout=10)
    assert response.status_code == 200
    page = response.text
    assert re.search(r'<label for="username">User name</label>', page)
    assert re.search(r'<input type="checkbox" id="admin"[^>]*><label for="admin">Admin</label>', page)
    assert '<button type="submit">Sign in</button>' in page
    assert "<script" not in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp


def test_given_admin_sign_in_when_code_redeemed_with_verifier_then_id_and_access_tokens_for_that_user(provider):
    verifier, challenge = pkce()
    code = code_from(sign_in(provider, authorization(challenge), user="alice", admin=True))
    response = redeem(provider, code, verifier)
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == WEB
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    key = jwt.PyJWK(provider.jwks()["keys"][0]).key
    id_token = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience=CLIENT_ID, issuer=provider.issuer)
    assert id_token["token_use"] == "id" and id_token["nonce"] == "nonce-456"
    assert (id_token["sub"], id_token["cognito:username"], id_token["cognito:groups"]) == ("alice", "alice", ["admin"])
    assert id_token["email"] == "alice@example.com"
    access = jwt.decode(tokens["access_token"], key, algorithms=["RS256"], issuer=provider.issuer)
    assert (access["token_use"], access["client_id"], access["sub"]) == ("access", CLIENT_ID, "alice")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0


def test_given_customer_sign_in_when_redeemed_then_no_groups_claim(provider):
    # Cognito leaves `cognito:groups` out of the tokens of a user in no group.
    verifier, challenge = pkce()
    code = code_from(sign_in(provider, authorization(challenge), user="bob"))
    tokens = redeem(provider, code, verifier).json()
    for token in (tokens["id_token"], tokens["access_token"]):
        assert "cognito:groups" not in jwt.decode(token, options={"verify_signature": False})


def test_given_wrong_verifier_when_redeemed_then_invalid_grant_and_the_code_is_spent(provider):
    verifier, challenge = pkce()
    code = code_from(sign_in(provider, authorization(challenge)))
    other_verifier, _ = pkce()
    refused = redeem(provider, code, other_verifier)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    again = redeem(provider, code, verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_given_code_when_redeemed_twice_then_second_refused(provider):
    verifier, challenge = pkce()
    code = code_from(sign_in(provider, authorization(challenge)))
    assert redeem(provider, code, verifier).status_code == 200
    assert redeem(provider, code, verifier).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uri": f"{WEB}/elsewhere"}, "invalid_grant"),
        ({"client_id": "another-client"}, "invalid_client"),
        ({"grant_type": "refresh_token"}, "unsupported_grant_type"),
        ({"code_verifier": "short"}, "invalid_grant"),
    ],
)
def test_given_bad_token_request_when_redeemed_then_oauth_error(provider, overrides, error):
    verifier, challenge = pkce()
    code = code_from(sign_in(provider, authorization(challenge)))
    response = redeem(provider, code, verifier, **overrides)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_given_bad_authorization_request_when_opened_then_error_sent_back_to_the_app(provider, overrides, error):
    _, challenge = pkce()
    response = open_authorize(provider, authorization(challenge, **overrides))
    assert response.status_code == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["Location"]).query))
    assert (query["error"], query["state"]) == (error, "state-123")


@pytest.mark.parametrize(
    "overrides",
    [{"redirect_uri": "https://evil.example/callback"}, {"client_id": "another-client"}, {"redirect_uri": "/relative"}],
)
def test_given_unknown_client_or_redirect_when_opened_then_refused_without_redirecting(provider, overrides):
    _, challenge = pkce()
    response = open_authorize(provider, authorization(challenge, **overrides))
    assert response.status_code == 400 and "Location" not in response.headers


def test_given_bad_user_name_when_signing_in_then_page_again_with_the_error_and_no_code(provider):
    _, challenge = pkce()
    response = sign_in(provider, authorization(challenge), user="<script>")
    assert response.status_code == 400
    assert 'role="alert"' in response.text and "<script>" not in response.text


def test_given_token_request_from_unknown_origin_then_no_cors_grant(provider):
    response = requests.options(provider.issuer + TOKEN_PATH, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in response.headers
    allowed = requests.options(provider.issuer + TOKEN_PATH, headers={"Origin": WEB}, timeout=10)
    assert allowed.headers["Access-Control-Allow-Origin"] == WEB


@pytest.mark.parametrize("parameter", ["post_logout_redirect_uri", "logout_uri"])
def test_given_sign_out_when_return_uri_on_web_origin_then_redirected_there(provider, parameter):
    response = requests.get(
        provider.issuer + END_SESSION_PATH,
        params={parameter: f"{WEB}/", "state": "s1", "client_id": CLIENT_ID},
        allow_redirects=False,
        timeout=10,
    )
    assert (response.status_code, response.headers["Location"]) == (302, f"{WEB}/?state=s1")


def test_given_sign_out_to_foreign_uri_then_refused(provider):
    response = requests.get(
        provider.issuer + END_SESSION_PATH,
        params={"post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400 and "Location" not in response.headers


def test_given_state_dir_of_a_stack_when_token_minted_then_iss_is_that_stacks_issuer(tmp_path):
    (tmp_path / "env.json").write_text('{"Parameters": {"JWT_ISSUER": "http://127.0.0.1:4567"}}')
    token = DevIssuer(tmp_path).mint("alice", [])
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == "http://127.0.0.1:4567"


def test_given_token_request_with_a_malformed_length_then_refused_as_an_empty_form(provider):
    address = urllib.parse.urlsplit(provider.issuer)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.putrequest("POST", TOKEN_PATH)
        connection.putheader("Content-Length", "abc")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.endheaders()
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["error"]) == (400, "unsupported_grant_type")
    finally:
        connection.close()
