"""The storefront's own origin (WEB_ORIGIN, its CloudFront address) is allowed besides CORS_ALLOWED_ORIGINS."""

import pytest
from pydantic import ValidationError

from shop.common.cors import CorsSettings, cors_config, cors_settings
from tests.handlers.conftest import event, header, load_function

STOREFRONT = "https://d111111abcdef8.cloudfront.net"
LISTED = "http://localhost:5173"


def with_origin(origin: str) -> dict:
    request = event("cors_preflight")
    request["headers"] = {k: v for k, v in request["headers"].items() if k != "Origin"} | {"Origin": origin}
    request["multiValueHeaders"] = {k: [v] for k, v in request["headers"].items()}
    return request


@pytest.fixture
def preflight_with(monkeypatch):
    def load(web_origin: str):
        monkeypatch.setenv("CORS_ALLOWED_ORIGINS", LISTED)
        monkeypatch.setenv("WEB_ORIGIN", web_origin)
        cors_settings.cache_clear()
        cors_config.cache_clear()
        return load_function("cors_preflight")

    yield load
    cors_settings.cache_clear()
    cors_config.cache_clear()


@pytest.mark.parametrize("origin", [STOREFRONT, LISTED])
def test_given_storefront_origin_set_when_preflight_from_it_or_a_listed_one_then_granted(
    preflight_with, context, origin
):
    response = preflight_with(STOREFRONT).lambda_handler(with_origin(origin), context)
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Origin") == origin


def test_given_no_storefront_when_preflight_from_a_cloudfront_origin_then_not_granted(preflight_with, context):
    # As in a local stack, where `sam local` leaves the variable empty.
    response = preflight_with("").lambda_handler(with_origin(STOREFRONT), context)
    assert header(response, "Access-Control-Allow-Origin") is None
    assert CorsSettings().origins == [LISTED]


@pytest.mark.parametrize("web_origin", ["https://d111111abcdef8.cloudfront.net/", "d111111abcdef8.cloudfront.net", "*"])
def test_given_malformed_storefront_origin_when_settings_load_then_they_fail_naming_the_variable(
    monkeypatch, web_origin
):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", LISTED)
    monkeypatch.setenv("WEB_ORIGIN", web_origin)
    with pytest.raises(ValidationError, match="WEB_ORIGIN"):
        CorsSettings()


def test_given_storefront_origin_in_capitals_when_settings_load_then_lowercased_and_first(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", LISTED)
    monkeypatch.setenv("WEB_ORIGIN", " https://D111111ABCDEF8.cloudfront.net ")
    assert CorsSettings().origins == [STOREFRONT, LISTED]
