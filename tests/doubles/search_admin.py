"""Test doubles for the search admin function: the OpenSearch security plugin's REST API, and CloudFormation's
pre-signed response URL.

osmem-server (the local OpenSearch) has no security plugin: `/_plugins/_security/api/...` answers 400 "no
handler found". `SecurityPluginDouble` stands in for it at the transport level, behind the real client
(`shop.common.clients.opensearch_client`) and its connection class, so the adapter's requests are the
ones a domain would receive. It answers in the response shapes the security plugin documents (status and
message; 404 for a mapping of an unknown role; 400 for unknown keys); they were not recorded from a live
domain, which no test here can reach. Every other path goes on to the real server, if there is one.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opensearchpy import RequestsHttpConnection

SECURITY_API = "/_plugins/_security/api/"
BUILT_IN_ROLES = frozenset({"all_access", "security_manager", "readall", "kibana_user"})
ROLE_KEYS = frozenset({"cluster_permissions", "index_permissions", "tenant_permissions", "description"})
MAPPING_KEYS = frozenset({"backend_roles", "hosts", "users", "and_backend_roles", "description"})


@dataclass
class SecurityPluginDouble:
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (method, path, body) of every request that reached the security API, in order.
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    # Answer 403 to everything (the caller is not mapped to all_access nor the master user).
    forbidden: bool = False
    # Answer 503 to this many requests first (a domain whose security index is not initialised yet).
    unavailable: int = 0

    def answer(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, body))
        if self.unavailable:
            self.unavailable -= 1
            return 503, {"status": "SERVICE_UNAVAILABLE", "message": "OpenSearch Security not initialized."}
        if self.forbidden:
            reason = "no permissions for [] and User [name=arn:aws:iam::123456789012:role/x, backend_roles=[]]"
            return 403, {"error": {"type": "security_exception", "reason": reason}, "status": 403}
        kind, _, name = path.removeprefix(SECURITY_API).partition("/")
        if method != "PUT" or kind not in ("roles", "rolesmapping") or not name:
            return 400, {"error": f"no handler found for uri [{path}] and method [{method}]"}
        allowed = ROLE_KEYS if kind == "roles" else MAPPING_KEYS
        if not isinstance(body, dict) or set(body) - allowed:
            keys = ",".join(sorted(set(body) - allowed)) if isinstance(body, dict) else ""
            return 400, {"status": "error", "reason": "Invalid configuration", "invalid_keys": {"keys": keys}}
        if kind == "roles":
            if name in BUILT_IN_ROLES:
                return 403, {"status": "FORBIDDEN", "message": f"Resource '{name}' is reserved."}
            store = self.roles
        else:
            if name not in self.roles and name not in BUILT_IN_ROLES:
                return 404, {"status": "NOT_FOUND", "message": f"Role '{name}' is not available for role-mapping."}
            store = self.mappings
        existed = name in store
        store[name] = body
        if existed:
            return 200, {"status": "OK", "message": f"'{name}' updated."}
        return 201, {"status": "CREATED", "message": f"'{name}' created."}


def connection_class(double: SecurityPluginDouble) -> type[RequestsHttpConnection]:
    """A RequestsHttpConnection whose security API requests the double answers; the rest go to the server."""

    class SecurityApiConnection(RequestsHttpConnection):
        def perform_request(  # type: ignore[override]
            self, method: str, url: str, params: Any = None, body: bytes | None = None, **kwargs: Any
        ) -> Any:
            if not url.startswith(SECURITY_API):
                return super().perform_request(method, url, params, body, **kwargs)
            status, answer = double.answer(method, url, json.loads(body) if body else None)
            raw = json.dumps(answer)
            if not 200 <= status < 300:
                self._raise_error(status, raw, "application/json")
            return status, {"content-type": "application/json"}, raw

    return SecurityApiConnection


@dataclass
class RecordedAnswer:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class ResponseUrl:
    """CloudFormation's pre-signed response URL, as a local HTTP server that records each PUT."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.answers: list[RecordedAnswer] = []
        # Status to reply to each PUT in turn; 200 once they run out.
        self.statuses = list(statuses or [])
        self.received = threading.Event()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                recorder.answers.append(RecordedAnswer(self.path, dict(self.headers.items()), body))
                status = recorder.statuses.pop(0) if recorder.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                recorder.received.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/answer?X-Amz-Signature=abc%2Fdef"

    @property
    def only(self) -> RecordedAnswer:
        assert len(self.answers) == 1, self.answers
        return self.answers[0]


@contextmanager
def response_url(statuses: list[int] | None = None) -> Iterator[ResponseUrl]:
    recorder = ResponseUrl(statuses)
    thread = threading.Thread(target=recorder.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.server.shutdown()
        recorder.server.server_close()
