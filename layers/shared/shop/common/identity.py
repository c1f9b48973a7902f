"""The caller, as the Lambda authorizer verified them: a route declares `caller: Caller` and gets a Principal.

The authorizer puts its verdict in the request context; routes never read the token themselves.
"""

import json
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


def principal_of(event: Mapping[str, Any]) -> Principal:
    """The caller as verified by the Lambda authorizer (its context), never from the token itself."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user_id = context.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise Unauthenticated()
    try:
        # A JSON list, not a joined string: a group name may contain any separator.
        groups = json.loads(context.get("groups") or "[]")
    except (TypeError, ValueError):
        raise Unauthenticated() from None
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise Unauthenticated()
    return Principal(user_id=user_id, groups=frozenset(groups))


def current_caller(request: Request) -> Principal:
    """The route's caller, resolved once per request by Powertools (`Depends`); tests may override it."""
    return principal_of(request.resolved_event.raw_event)


Caller = Annotated[Principal, Depends(current_caller)]
