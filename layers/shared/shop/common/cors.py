"""CORS for the web frontend: which origins may call the API, and what they may send and read.

The origins are a list (CORS_ALLOWED_ORIGINS, comma-separated, from the stack's CorsAllowedOrigins parameter),
plus the storefront's own origin (WEB_ORIGIN, its CloudFront address; empty where there is none, as locally).
Powertools matches the request's Origin against it and answers an origin outside it with no CORS headers at all,
so the browser refuses to hand the response to that page.
"""

from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler import CORSConfig
from pydantic import AfterValidator, Field, StringConstraints, field_validator

from shop.common.settings import EnvironmentSettings

# scheme://host[:port], exactly as browsers send Origin (compared as strings): lowercase, no path, no trailing
# slash, no wildcard, and no default port (browsers omit :443 for https and :80 for http).
DEFAULT_PORTS = {"https": ":443", "http": ":80"}


def _without_default_port(origin: str) -> str:
    scheme = origin.split(":", 1)[0]
    if origin.endswith(DEFAULT_PORTS[scheme]):
        raise ValueError(f"{origin}: browsers send this origin without {DEFAULT_PORTS[scheme]}")
    return origin


Origin = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[a-z0-9.-]+(:\d{1,5})?$"),
    AfterValidator(_without_default_port),
]

# What browsers may send beyond Powertools' defaults (Authorization, Content-Type, ...), and read back.
REQUEST_HEADERS = ["Idempotency-Key", "If-Match"]
RESPONSE_HEADERS = ["ETag", "Location"]
PREFLIGHT_MAX_AGE_SECONDS = 600

# Each path of the API and the methods it serves (besides OPTIONS): what a preflight may allow.
# tests/unit/template/test_api_gateway.py checks it against the template's Api events.
ROUTE_METHODS: dict[str, tuple[str, ...]] = {
    "/health": ("GET",),
    "/products": ("GET", "POST"),
    "/products/<product_id>": ("DELETE", "GET", "PATCH"),
    "/search": ("GET",),
    "/cart": ("GET",),
    "/cart/items/<product_id>": ("DELETE", "PUT"),
    "/orders": ("GET", "POST"),
    "/orders/<order_id>": ("GET",),
    "/orders/<order_id>/cancel": ("POST",),
    "/orders/<order_id>/status": ("PUT",),
}


class CorsSettings(EnvironmentSettings):
    allowed_origins: list[Origin] = Field(min_length=1, validation_alias="CORS_ALLOWED_ORIGINS")
    web_origin: Origin | None = Field(default=None, validation_alias="WEB_ORIGIN")

    @field_validator("web_origin", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # Browsers send host names lowercased; an empty value (no storefront, as locally) is none.
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            # Host names are case-insensitive and browsers send them lowercased.
            return [origin.strip().lower() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def origins(self) -> list[str]:
        """Every origin allowed: the storefront's, then the listed ones."""
        return ([self.web_origin] if self.web_origin else []) + self.allowed_origins


@cache
def cors_settings() -> CorsSettings:
    return CorsSettings.from_environment()


@cache
def cors_config() -> CORSConfig:
    first, *others = cors_settings().origins
    return CORSConfig(
        allow_origin=first,
        extra_origins=others,
        allow_headers=REQUEST_HEADERS,
        expose_headers=RESPONSE_HEADERS,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
