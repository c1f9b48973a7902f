"""OPTIONS preflight (functions/cors_preflight), driven by events/cors_preflight.json."""

import pytest
from pydantic import ValidationError

from shop.common.cors import CorsSettings, cors_config, cors_settings
from tests.handlers.conftest import as_user, event, header, load_function

ALLOWED = "https://shop.example.com,http://localhost:5173"


@pytest.fixture
def preflight(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", ALLOWED)
    cors_settings.cache_clear()
    cors_config.cache_clear()
    yield load_function("cors_preflight")
    cors_settings.cache_clear()
    cors_config.cache_clear()


def with_origin(origin: str | None) -> dict:
    request = event("cors_preflight")
    headers = {k: v for k, v in request["headers"].items() if k != "Origin"}
    request["headers"] = headers | ({"Origin": origin} if origin else {})
    request["multiValueHeaders"] = {k: [v] for k, v in request["headers"].items()}
    return request


@pytest.mark.parametrize("origin", ["http://localhost:5173", "https://shop.example.com"])
def test_given_an_allowed_origin_when_preflight_then_204_granting_that_origin_the_routes_methods(
    preflight, context, origin
):
    response = preflight.lambda_handler(with_origin(origin), context)
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Origin") == origin
    assert header(response, "Access-Control-Allow-Methods") == "DELETE,GET,OPTIONS,PATCH"
    allowed_headers = header(response, "Access-Control-Allow-Headers").split(",")
    assert {"Authorization", "Content-Type", "If-Match", "Idempotency-Key"} <= set(allowed_headers)
    assert header(response, "Access-Control-Expose-Headers") == "ETag,Location"
    assert header(response, "Vary") == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example.com", "https://shop.example.com.evil.com", None])
def test_given_another_origin_or_none_when_preflight_then_no_origin_is_granted(preflight, context, origin):
    response = preflight.lambda_handler(with_origin(origin), context)
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Origin") is None
    assert header(response, "Access-Control-Allow-Headers") is None


def test_given_a_path_the_api_does_not_serve_when_preflight_then_no_method_is_granted(preflight, context):
    request = with_origin("http://localhost:5173") | {"path": "/nope", "resource": "/nope", "pathParameters": None}
    response = preflight.lambda_handler(request, context)
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Methods") == "OPTIONS"


@pytest.mark.parametrize(
    "origins",
    ["", " , ", "*", "https://shop.example.com/", "shop.example.com", "https://a.example.com,https://b.example.com/x"],
)
def test_given_missing_or_malformed_origins_when_settings_load_then_they_fail_naming_the_variable(monkeypatch, origins):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", origins)
    with pytest.raises(ValidationError, match="CORS_ALLOWED_ORIGINS"):
        CorsSettings()


def test_given_no_origins_variable_when_settings_load_then_they_fail(monkeypatch):
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    with pytest.raises(ValidationError, match="CORS_ALLOWED_ORIGINS"):
        CorsSettings()


def test_given_origins_with_spaces_when_settings_load_then_each_is_trimmed(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", " https://a.example.com , http://localhost:5173 ")
    assert CorsSettings().allowed_origins == ["https://a.example.com", "http://localhost:5173"]


# --- CORS on the route functions' own answers ---


def with_request_origin(request: dict, origin: str) -> dict:
    request["headers"] = {**request["headers"], "Origin": origin}
    request["multiValueHeaders"] = {**request["multiValueHeaders"], "Origin": [origin]}
    return request


@pytest.fixture
def create_product(monkeypatch, table):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", ALLOWED)
    cors_settings.cache_clear()
    cors_config.cache_clear()
    yield load_function("create_product")
    cors_settings.cache_clear()
    cors_config.cache_clear()


def test_given_an_allowed_origin_when_a_guard_refuses_before_validation_then_the_problem_is_readable_cross_origin(
    create_product, context
):
    request = with_request_origin(as_user(event("create_product"), ["customer"]), "https://shop.example.com")
    response = create_product.lambda_handler(request, context)
    assert response["statusCode"] == 403
    assert header(response, "Access-Control-Allow-Origin") == "https://shop.example.com"
    assert header(response, "Access-Control-Expose-Headers") == "ETag,Location"
    assert header(response, "Vary") == "Origin"


def test_given_an_allowed_origin_when_a_route_succeeds_then_cors_headers_and_vary(create_product, context):
    request = with_request_origin(as_user(event("create_product"), ["admin"]), "http://localhost:5173")
    response = create_product.lambda_handler(request, context)
    assert response["statusCode"] == 201
    assert header(response, "Access-Control-Allow-Origin") == "http://localhost:5173"
    assert header(response, "Vary") == "Origin"


def test_given_another_origin_when_refused_then_no_origin_is_granted_but_vary_is_sent(create_product, context):
    request = with_request_origin(as_user(event("create_product"), ["customer"]), "https://evil.example.com")
    response = create_product.lambda_handler(request, context)
    assert response["statusCode"] == 403
    assert header(response, "Access-Control-Allow-Origin") is None
    assert header(response, "Vary") == "Origin"


def test_given_origins_in_capitals_when_settings_load_then_they_are_lowercased_as_browsers_send_them(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://Shop.Example.com")
    assert CorsSettings().allowed_origins == ["https://shop.example.com"]


@pytest.mark.parametrize("origin", ["https://shop.example.com:443", "http://localhost:80"])
def test_given_an_origin_with_its_default_port_when_settings_load_then_it_fails_since_browsers_never_send_it(
    monkeypatch, origin
):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", origin)
    with pytest.raises(ValidationError, match="CORS_ALLOWED_ORIGINS"):
        CorsSettings()
