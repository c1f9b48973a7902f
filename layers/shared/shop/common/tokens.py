"""Bearer token verification.

Tokens are Cognito-style JWTs: RS256-signed by a key in the issuer's JWKS, with `iss`, `exp`, and
either `aud` (ID tokens) or `client_id` (access tokens) naming our app client. Groups come from
the `cognito:groups` claim. For a function that must verify a token itself (a Lambda authorizer);
the REST API's routes never do: API Gateway's user-pool authorizer verifies their tokens and the
routes read its claims from the request context (shop.common.identity).
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt

from shop.common.settings import TokenSettings

ALGORITHMS = ["RS256"]
GROUPS_CLAIM = "cognito:groups"


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, wrongly signed or not for this API."""


@dataclass(frozen=True)
class VerifiedIdentity:
    user_id: str
    groups: tuple[str, ...]


@cache
def jwks_client(jwks_url: str) -> jwt.PyJWKClient:
    # Keys are cached per container, so the issuer is asked once, and again only for a new kid.
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    return token.strip()


def verify_token(token: str, settings: TokenSettings) -> VerifiedIdentity:
    try:
        signing_key = jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise  # the issuer is unreachable: our failure, not the caller's
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as error:
        raise InvalidToken(f"unusable token header: {error}") from error
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=ALGORITHMS,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from error
    _check_client(claims, settings.jwt_audience)
    groups = claims.get(GROUPS_CLAIM) or []
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise InvalidToken(f"{GROUPS_CLAIM} must be a list of group names")
    return VerifiedIdentity(user_id=str(claims["sub"]), groups=tuple(groups))


# Cognito ID tokens name the app client in `aud`, access tokens in `client_id`.
_CLIENT_CLAIM_BY_TOKEN_USE = {"id": "aud", "access": "client_id"}


def _check_client(claims: dict[str, Any], client_id: str) -> None:
    claim = _CLIENT_CLAIM_BY_TOKEN_USE.get(str(claims.get("token_use")))
    if claim is None:
        raise InvalidToken("token_use must be 'id' or 'access'")
    named = claims.get(claim)
    if client_id not in (named if isinstance(named, list) else [named]):
        raise InvalidToken("token was issued for another client")
