"""The local web host: the built app, its config.json, SPA fallback, caching and security headers."""

import pytest
import requests

from devstack.common import free_port
from devstack.web import WebConfig, serve_web, web_origins

API = "http://127.0.0.1:3000"
ISSUER = "http://127.0.0.1:3001"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>shop</title><script type=module src=/assets/app-1a2b.js>")
    (dist / "assets").mkdir()
    (dist / "assets" / "app-1a2b.js").write_text("console.log('app')")
    (dist / "manifest.webmanifest").write_text("{}")
    (tmp_path_factory.getbasetemp() / "secret.txt").write_text("outside dist")
    port = free_port()
    config = WebConfig(api_url=API, authority=ISSUER, client_id="shop-local-client")
    server = serve_web(dist, config, "127.0.0.1", port, issuer_url=ISSUER)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def test_given_app_route_when_requested_then_index_html_not_cached_with_security_headers(web):
    response = requests.get(f"{web}/products/abc", timeout=10)
    assert response.status_code == 200 and "<title>shop</title>" in response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert f"connect-src 'self' {API} {ISSUER}" in csp


def test_given_hashed_asset_when_requested_then_cached_for_a_year_as_javascript(web):
    response = requests.get(f"{web}/assets/app-1a2b.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_given_unhashed_file_when_requested_then_served_not_cached(web):
    response = requests.get(f"{web}/manifest.webmanifest", timeout=10)
    assert response.headers["Content-Type"] == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path", ["/assets/missing-9z.js", "/favicon.ico", "/../secret.txt", "/%2e%2e/secret.txt", "/a%00.js"]
)
def test_given_missing_or_outside_file_when_requested_then_404_not_the_app(web, path):
    response = requests.get(f"{web}{path}", timeout=10)
    assert response.status_code == 404 and "outside dist" not in response.text


def test_given_stack_when_config_json_requested_then_its_addresses_for_the_app(web):
    response = requests.get(f"{web}/config.json", timeout=10)
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.json() == {
        "apiUrl": API,
        "oidc": {"authority": ISSUER, "clientId": "shop-local-client", "scope": "openid profile email"},
    }


def test_given_nothing_built_when_app_requested_then_503_says_how_to_build(tmp_path):
    port = free_port()
    config = WebConfig(api_url=API, authority=ISSUER, client_id="c")
    server = serve_web(tmp_path / "dist", config, "127.0.0.1", port, issuer_url=ISSUER)
    try:
        response = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert response.status_code == 503 and "make dev" in response.text
    finally:
        server.shutdown()


def test_given_loopback_host_then_localhost_is_an_origin_too():
    assert web_origins("127.0.0.1", 5173, 5174) == [
        "http://127.0.0.1:5173",
        "http://localhost:5173",
        "http://127.0.0.1:5174",
        "http://localhost:5174",
    ]
