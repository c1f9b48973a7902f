"""Function settings, read from the environment once per container, each named for what it configures.

A missing or malformed variable fails the cold start with a validation error that names it, instead of
surfacing later as a confusing runtime failure. The variable names are the template's and the local stack's.
"""

import os
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator

if TYPE_CHECKING:
    from functools import _lru_cache_wrapper


class EnvironmentSettings(BaseModel):
    """Settings validated from the process environment; each field reads the variable its alias names.

    Plain pydantic over os.environ: pydantic-settings would read the same variables, but importing it (its
    dotenv, secrets-directory and CLI sources, none used here) adds tens of milliseconds to every cold start.
    Keyword arguments, named like the variables, take precedence (tests pass values this way).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**os.environ, **values})

    @classmethod
    def from_environment(cls) -> Self:
        return cls.model_validate(dict(os.environ))


def cached_settings[S: EnvironmentSettings](settings_type: type[S]) -> "_lru_cache_wrapper[S]":
    """The settings' accessor: read and validated on the first call, then the same object for the container's
    life (`cache_clear` reads them again: tests, and SnapStart's restore hook, which finds the accessor by the
    module that defines the settings)."""
    accessor = cache(settings_type.from_environment)
    accessor.__module__ = settings_type.__module__
    return accessor


class TableSettings(EnvironmentSettings):
    """The shop's DynamoDB table: products, carts and orders."""

    table_name: str = Field(min_length=1, validation_alias="TABLE_NAME")


class CursorSettings(EnvironmentSettings):
    """The key that signs every pagination cursor (catalog, orders, search)."""

    # From Secrets Manager in AWS (a dynamic reference in the template).
    cursor_signing_key: SecretStr = Field(min_length=32, validation_alias="CURSOR_SIGNING_KEY")


class TokenSettings(EnvironmentSettings):
    """Which bearer tokens the authorizer accepts: issuer, audience, signing keys, clock skew."""

    jwt_issuer: str = Field(min_length=1, validation_alias="JWT_ISSUER")
    jwt_audience: str = Field(min_length=1, validation_alias="JWT_AUDIENCE")
    jwks_url: str = Field(min_length=1, validation_alias="JWKS_URL")
    # Seconds of clock skew tolerated on exp/iat/nbf.
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300, validation_alias="JWT_LEEWAY_SECONDS")


class OpenSearchSettings(EnvironmentSettings):
    """How to reach the search domain: endpoint, request signing, timeout."""

    opensearch_endpoint: str = Field(pattern=r"^https?://[^/\s]+/?$", validation_alias="OPENSEARCH_ENDPOINT")
    # sigv4 in AWS (the function's role signs); none for a local server over plain HTTP.
    opensearch_auth: Literal["sigv4", "none"] = Field(default="sigv4", validation_alias="OPENSEARCH_AUTH")
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    request_timeout_seconds: float = Field(default=5.0, gt=0, le=60, validation_alias="OPENSEARCH_TIMEOUT_SECONDS")

    @model_validator(mode="after")
    def _signing_needs_a_region(self) -> "OpenSearchSettings":
        if self.opensearch_auth == "sigv4" and not self.aws_region:
            raise ValueError("OPENSEARCH_AUTH=sigv4 needs AWS_REGION to sign requests")
        return self


class IdempotencySettings(EnvironmentSettings):
    """The event consumers' idempotency records (each kept for Powertools' default expiry)."""

    # Powertools' idempotency records (key `id`, TTL on `expiration`), apart from the shop's own items.
    idempotency_table_name: str = Field(min_length=1, validation_alias="IDEMPOTENCY_TABLE_NAME")


class SearchAdminSettings(EnvironmentSettings):
    """The search admin function's own limits; it also reads `opensearch_settings()` and `table_settings()`."""

    # How long before the function's timeout a long operation stops, so that it can still drop a half-built
    # index and answer: in-flight pages (a DynamoDB scan page and its bulk request) finish first.
    deadline_margin_seconds: float = Field(
        default=60.0, ge=1, le=300, validation_alias="SEARCH_ADMIN_DEADLINE_MARGIN_SECONDS"
    )
    # Ids listed per kind in a result (missing, extra, ...); counts are always whole. Keeps the answer far
    # below Lambda's 6 MB response limit however far the index drifted.
    # At the most, 2000 reasons of 300 characters for each of 4 kinds (a reindex's) stay under 3 MB.
    max_ids_in_result: int = Field(default=1000, ge=1, le=2000, validation_alias="SEARCH_ADMIN_MAX_IDS_IN_RESULT")


table_settings = cached_settings(TableSettings)
cursor_settings = cached_settings(CursorSettings)
token_settings = cached_settings(TokenSettings)
opensearch_settings = cached_settings(OpenSearchSettings)
idempotency_settings = cached_settings(IdempotencySettings)
search_admin_settings = cached_settings(SearchAdminSettings)


def cursor_signing_key() -> bytes:
    """The HMAC key of every pagination cursor (catalog, orders, search)."""
    return cursor_settings().cursor_signing_key.get_secret_value().encode()
