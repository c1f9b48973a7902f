"""The caller, as API Gateway's user-pool authorizer verified them: a route declares `caller: Caller` and gets a
Principal.

The authorizer (API Gateway's own, no function) verifies the ID token and puts its claims in the request context,
every value a string; routes never read the token themselves (docs/decisions/user-pool-authorizer.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request

from shop.common.errors import Unauthenticated

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Principal:
    user_id: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


GROUPS_CLAIM = "cognito:groups"


def principal_of(event: Mapping[str, Any]) -> Principal:
    """The caller as the authorizer verified them (the token's claims), never from the token itself."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    user_id = claims.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise Unauthenticated()
    return Principal(user_id=user_id, groups=frozenset(_groups(claims.get(GROUPS_CLAIM))))


def _groups(claim: Any) -> list[str]:
    # API Gateway joins the token's list with commas ("admin,staff"); absent for a user in no group. The pool's
    # groups are the template's, none with a comma in its name (tests/unit/template checks). A list is taken as
    # it is, should the gateway ever pass one.
    if claim is None or claim == "":
        return []
    if isinstance(claim, str):
        return [group for group in claim.split(",") if group]
    if isinstance(claim, list) and all(isinstance(group, str) for group in claim):
        return claim
    raise Unauthenticated()


def current_caller(request: Request) -> Principal:
    """The route's caller, resolved once per request by Powertools (`Depends`); tests may override it."""
    return principal_of(request.resolved_event.raw_event)


Caller = Annotated[Principal, Depends(current_caller)]
