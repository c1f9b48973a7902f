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
