"""OPTIONS preflight (functions/cors_preflight), driven by events/cors_preflight.json."""

import pytest
from pydantic import ValidationError

from shop.cors import CorsSettings, cors_config, cors_settings
from tests.handlers.conftest import event, header, load_function

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
