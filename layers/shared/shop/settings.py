"""Function settings, read from the environment once per container.

A missing or malformed variable fails the cold start with a validation error that names it,
instead of surfacing later as a confusing runtime failure.
"""

from functools import cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=1, validation_alias="TABLE_NAME")


class ListingSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    # Signs pagination cursors; from Secrets Manager in AWS (a dynamic reference in the template).
    cursor_signing_key: SecretStr = Field(min_length=32, validation_alias="CURSOR_SIGNING_KEY")


class AuthorizerSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    jwt_issuer: str = Field(min_length=1, validation_alias="JWT_ISSUER")
    jwt_audience: str = Field(min_length=1, validation_alias="JWT_AUDIENCE")
    jwks_url: str = Field(min_length=1, validation_alias="JWKS_URL")
    # Seconds of clock skew tolerated on exp/iat/nbf.
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300, validation_alias="JWT_LEEWAY_SECONDS")


class SearchSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    opensearch_endpoint: str = Field(pattern=r"^https?://[^/\s]+/?$", validation_alias="OPENSEARCH_ENDPOINT")
    # sigv4 in AWS (the function's role signs); none for a local server over plain HTTP.
    opensearch_auth: Literal["sigv4", "none"] = Field(default="sigv4", validation_alias="OPENSEARCH_AUTH")
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=60, validation_alias="OPENSEARCH_TIMEOUT_SECONDS")

    @model_validator(mode="after")
    def _signing_needs_a_region(self) -> "SearchSettings":
        if self.opensearch_auth == "sigv4" and not self.aws_region:
            raise ValueError("OPENSEARCH_AUTH=sigv4 needs AWS_REGION to sign requests")
        return self


@cache
def search_settings() -> SearchSettings:
    return SearchSettings()


@cache
def catalog_settings() -> CatalogSettings:
    return CatalogSettings()


@cache
def authorizer_settings() -> AuthorizerSettings:
    return AuthorizerSettings()


@cache
def listing_settings() -> ListingSettings:
    return ListingSettings()


def cursor_signing_key() -> bytes:
    """The HMAC key of every pagination cursor (catalog, orders, search)."""
    return listing_settings().cursor_signing_key.get_secret_value().encode()


# --- Commerce: carts, orders, checkout (issue 4) ---


class IdempotencySettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    # Powertools' idempotency records (key `id`, TTL on `expiration`), apart from the shop's own items.
    idempotency_table_name: str = Field(min_length=1, validation_alias="IDEMPOTENCY_TABLE_NAME")
    # How long a checkout's Idempotency-Key is remembered.
    idempotency_expiry_seconds: int = Field(
        default=24 * 3600, ge=60, le=7 * 24 * 3600, validation_alias="IDEMPOTENCY_EXPIRY_SECONDS"
    )


@cache
def idempotency_settings() -> IdempotencySettings:
    return IdempotencySettings()


# --- Search administration: SearchAdminFunction, inside the domain's VPC ---


class SearchAdminSettings(BaseSettings):
    """The admin function's own settings; it also reads `search_settings()` and `catalog_settings()`."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    # How long before the function's timeout a long operation stops, so that it can still drop a half-built
    # index and answer: in-flight pages (a DynamoDB scan page and its bulk request) finish first.
    deadline_margin_seconds: float = Field(
        default=60.0, ge=1, le=300, validation_alias="SEARCH_ADMIN_DEADLINE_MARGIN_SECONDS"
    )
    # Ids listed per kind in a result (missing, extra, ...); counts are always whole. Keeps the answer far
    # below Lambda's 6 MB response limit however far the index drifted.
    # At the most, 2000 reasons of 300 characters for each of 4 kinds (a reindex's) stay under 3 MB.
    max_ids_in_result: int = Field(default=1000, ge=1, le=2000, validation_alias="SEARCH_ADMIN_MAX_IDS_IN_RESULT")


@cache
def search_admin_settings() -> SearchAdminSettings:
    return SearchAdminSettings()
