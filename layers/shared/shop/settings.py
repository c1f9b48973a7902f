"""Function settings, read from the environment once per container.

A missing or malformed variable fails the cold start with a validation error that names it,
instead of surfacing later as a confusing runtime failure.
"""

from functools import cache

from pydantic import Field, SecretStr
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


@cache
def catalog_settings() -> CatalogSettings:
    return CatalogSettings()


@cache
def authorizer_settings() -> AuthorizerSettings:
    return AuthorizerSettings()


@cache
def listing_settings() -> ListingSettings:
    return ListingSettings()


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
