"""The domain's fine-grained access control, through the OpenSearch security plugin's REST API.

With fine-grained access control, IAM lets a role reach the domain but OpenSearch decides what it may do,
by the security roles its ARN (a "backend role") is mapped to. CloudFormation has no property for those
mappings, so the admin function applies them at deploy time through this adapter.

Every call is a PUT, which creates or replaces the whole role or mapping: applying one configuration twice
changes nothing, and a mapping holds exactly the backend roles given, never what someone added by hand.
"""

from collections.abc import Callable
from typing import Any

from shop.common.clients import opensearch_client


class SecurityApiError(Exception):
    """The security API refused or did not answer a call."""

    def __init__(self, call: str, status: int | str, reason: str) -> None:
        super().__init__(f"{call}: {status} {reason}{_hint(status, reason)}".strip())
        self.call = call
        self.status = status

    @property
    def retriable(self) -> bool:
        # A freshly created domain answers 503 until its security index is initialised; connection errors
        # and throttling pass too. A 4xx is a configuration problem no retry fixes.
        return not isinstance(self.status, int) or self.status == 429 or self.status >= 500


def _hint(status: int | str, reason: str) -> str:
    if status in (401, 403):
        return (
            " (this function's role must be the domain's master user, MasterUserARN, or be mapped to all_access;"
            " the domain's access policy must admit it)"
        )
    if status == 400 and "no handler found" in reason:
        return " (the domain has no security plugin: fine-grained access control is off)"
    return ""


class SearchSecurity:
    """Security roles and role mappings of the domain, through the per-container OpenSearch client."""

    def put_role(self, name: str, definition: dict[str, Any]) -> None:
        """Create or replace a security role (cluster and index permissions)."""
        self._call(f"PUT roles/{name}", lambda client: client.security.create_role(role=name, body=definition))

    def put_role_mapping(self, name: str, backend_roles: list[str]) -> None:
        """Map exactly these backend roles (IAM role ARNs) to a security role, and no user or host."""
        body = {"backend_roles": backend_roles, "hosts": [], "users": []}
        self._call(f"PUT rolesmapping/{name}", lambda client: client.security.create_role_mapping(role=name, body=body))

    def _call(self, call: str, request: Callable[[Any], object]) -> None:
        from opensearchpy.exceptions import TransportError

        try:
            request(opensearch_client())
        except TransportError as error:  # includes connection errors and timeouts (status "N/A")
            status = error.status_code if isinstance(error.status_code, int) else "unreachable"
            raise SecurityApiError(call, status, _reason_of(error)) from error


def _reason_of(error: Any) -> str:
    info = error.info
    if isinstance(info, dict):
        detail = info.get("message") or info.get("error") or info
        if isinstance(detail, dict):
            detail = detail.get("reason") or detail
        return str(detail)
    return str(info or error.error or "")
