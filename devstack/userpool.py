"""API Gateway's Cognito user-pool authorizer as the local gateway runs it: SAM CLI's local API Gateway skips
Cognito authorizers (the route then runs for anyone), so devstack.apigw verifies the token itself.

What a REST API's COGNITO_USER_POOLS authorizer checks, on a method with no OAuth scopes:
- the identity header holds a JWT (with or without a "Bearer " prefix); a missing or empty header is a 401;
- signed (RS256) by a key of the pool's JWKS, unexpired, issued by the pool (`iss`);
- an ID token (`token_use` "id"): without scopes on the method, access tokens get a 401.
Any failure is a 401 (UNAUTHORIZED). The pool signs tokens only for its own app clients, so the function never
sees an `aud` naming another client; the local pool (the dev issuer) signs whatever it is asked, so a token whose
`aud` names no client of the pool is refused here, as a token the pool could not have issued.

The function gets the token's claims in `requestContext.authorizer.claims`, every value a string: a list joined
with commas (`cognito:groups`: "admin,staff"), numbers and booleans as text, `exp` and `iat` as dates
("Thu Dec 06 17:08:23 UTC 2026"). Its PyJWT runs in the SAM CLI venv too (requirements-sam.txt).
"""

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import jwt

ALGORITHMS = ["RS256"]
# API Gateway renders these two claims as dates (Java's Date.toString(), in UTC); other numbers stay numbers.
DATE_CLAIMS = frozenset({"exp", "iat"})


class Unauthorized(Exception):
    """API Gateway refuses the request with UNAUTHORIZED (401); the message says why, for the log only."""


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The token's claims as API Gateway hands them to the function: every value a string."""
    return {name: _as_text(name, value) for name, value in claims.items() if value is not None}


def _as_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in DATE_CLAIMS and isinstance(value, int | float):
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
    if isinstance(value, list):
        return ",".join(_as_text("", item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class UserPool:
    """The local user pool as its Cognito authorizer sees it: its issuer, JWKS and app clients."""

    def __init__(self, issuer: str, jwks_url: str, client_ids: Iterable[str]) -> None:
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def authorize(self, header: str | None) -> dict[str, str]:
        """The claims the function gets; Unauthorized when API Gateway would answer 401. An unreachable JWKS
        raises jwt.PyJWKClientConnectionError (the gateway's failure, not the caller's)."""
        token = (header or "").strip()
        scheme, _, rest = token.partition(" ")
        if scheme.lower() == "bearer":
            token = rest.strip()
        if not token:
            raise Unauthorized("no token in the identity header")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as error:
            raise Unauthorized(f"unusable token: {error}") from error
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized(str(error)) from error
        if claims.get("token_use") != "id":
            raise Unauthorized("not an ID token (the method has no OAuth scopes)")
        if claims.get("aud") not in self.client_ids:
            raise Unauthorized("not issued for a client of the pool")
        return gateway_claims(claims)
