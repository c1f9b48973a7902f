"""The local stack as the web app sees it: its config.json, CORS for its origin, and signing in through the local
OpenID Connect provider to call the API with the ID token it issues."""

import base64
import hashlib
import secrets
import urllib.parse

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 60


def test_given_stack_when_app_loads_config_then_it_names_this_stacks_api_and_issuer(stack):
    config = requests.get(f"{stack.web_url}/config.json", timeout=TIMEOUT).json()
    assert config["apiUrl"] == stack.url
    assert config["oidc"]["authority"] == stack.issuer_url
    assert config["oidc"]["clientId"] == stack.client_id


def test_given_issuer_when_discovered_then_its_issuer_is_what_the_functions_trust(stack):
    discovery = requests.get(f"{stack.issuer_url}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    assert discovery["issuer"] == stack.issuer_url
    cart = requests.get(f"{stack.url}/cart", headers=stack.auth("web-host-1", []), timeout=TIMEOUT)
    assert cart.status_code == 200, cart.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_given_web_app_origin_when_preflighting_the_api_then_allowed(stack, host):
    origin = stack.web_url.replace("127.0.0.1", host)
    response = requests.options(
        f"{stack.url}/orders",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"},
        timeout=TIMEOUT,
    )  # fmt: skip
    assert response.headers.get("Access-Control-Allow-Origin") == origin
    assert "idempotency-key" in response.headers["Access-Control-Allow-Headers"].lower()


def test_given_other_origin_when_preflighting_the_api_then_not_allowed(stack):
    response = requests.options(
        f"{stack.url}/orders",
        headers={"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST"},
        timeout=TIMEOUT,
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_given_sign_in_through_the_provider_when_id_token_sent_then_the_api_accepts_it(stack):
    discovery = requests.get(f"{stack.issuer_url}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"{stack.web_url}/auth/callback"
    signed_in = requests.post(
        discovery["authorization_endpoint"],
        data={"response_type": "code", "client_id": stack.client_id, "redirect_uri": redirect_uri,
              "scope": "openid profile email", "state": "s", "nonce": "n", "code_challenge": challenge,
              "code_challenge_method": "S256", "username": "web-host-admin", "admin": "yes"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert signed_in.status_code == 302, signed_in.text
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed_in.headers["Location"]).query))["code"]
    tokens = requests.post(
        discovery["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
              "client_id": stack.client_id, "code_verifier": verifier},
        headers={"Origin": stack.web_url},
        timeout=TIMEOUT,
    ).json()  # fmt: skip
    # Its own category, so that no other test's counts see these products.
    category = f"web-host-{secrets.token_hex(4)}"
    body = {"name": "Signed-in Lantern", "category": category, "price_cents": 1000, "stock": 1}
    created = requests.post(
        f"{stack.url}/products", json=body, headers={"Authorization": f"Bearer {tokens['id_token']}"}, timeout=TIMEOUT
    )
    assert created.status_code == 201, created.text  # the admin box ticked: the admin group
    # API Gateway's user-pool authorizer, on methods without OAuth scopes, takes ID tokens only.
    refused = requests.post(
        f"{stack.url}/products",
        json=body,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 401, refused.text
