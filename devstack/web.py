"""The web app's local host: frontend/dist served as CloudFront serves it in AWS.

    /config.json   the app's settings, from this stack's addresses (one build serves every environment)
    /assets/...    Vite's content-hashed files: cached for a year
    anything else  the file, or index.html (a route of the single-page app), never cached

Every answer carries the security headers the CloudFront response headers policy sets: a Content-Security-Policy
without inline scripts, nosniff, a referrer policy, and frame-ancestors 'none'.
"""

import json
import threading
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack.template import REPO_ROOT
from scripts.publish_web import NOT_CACHED, cache_control, content_type

FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
DEFAULT_WEB_PORT = 5173
# Vite's dev server (`make web`), beside the built app.
DEFAULT_VITE_PORT = 5174
CONFIG_PATH = "/config.json"


def web_origins(host: str, *ports: int) -> list[str]:
    """The browser origins of the local web app on these ports: the address given, and localhost for 127.0.0.1."""
    hosts = [host, "localhost"] if host == "127.0.0.1" else [host]
    return [f"http://{name}:{port}" for port in ports for name in hosts]


@dataclass(frozen=True)
class WebConfig:
    """What the app reads from /config.json."""

    api_url: str
    authority: str
    client_id: str
    # The WebSocket API that pushes order status; without it the app shows status as of its last fetch.
    ws_url: str | None = None

    def document(self) -> dict[str, Any]:
        # The shape frontend/src/lib/config.ts reads; no logoutUrl: this provider has an end_session_endpoint.
        return {
            "apiUrl": self.api_url,
            **({"wsUrl": self.ws_url} if self.ws_url else {}),
            "oidc": {"authority": self.authority, "clientId": self.client_id, "scope": "openid profile email"},
        }


def content_security_policy(api_url: str, issuer_url: str, ws_url: str | None = None) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            " ".join(["connect-src 'self'", api_url, issuer_url, *([ws_url] if ws_url else [])]),
            f"frame-src {issuer_url}",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action 'self' {issuer_url}",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(api_url: str, issuer_url: str, ws_url: str | None = None) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(api_url, issuer_url, ws_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
    }


def resolve(dist: Path, url_path: str) -> tuple[Path | None, bool]:
    """The file for a request path and whether it is the SPA fallback; (None, False) when there is nothing to serve.

    A path naming a file (its last segment has an extension) is that file or nothing, so that a missing script
    is a 404 and not an HTML page the browser then refuses; any other path is an app route: index.html.
    """
    relative = urllib.parse.unquote(url_path).lstrip("/")
    root = dist.resolve()
    try:
        candidate = (root / relative).resolve()
    except (ValueError, OSError):  # a NUL byte, a name too long: nothing to serve
        return None, False
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate, False
    last = relative.rsplit("/", 1)[-1]
    if "." in last:
        return None, False
    index = root / "index.html"
    return (index, True) if index.is_file() else (None, False)


def serve_web(dist: Path, config: WebConfig, host: str, port: int, *, issuer_url: str) -> ThreadingHTTPServer:
    """Serve the built app on a daemon thread; call .shutdown() to stop."""
    headers = security_headers(config.api_url, issuer_url, config.ws_url)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str, cache: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == CONFIG_PATH:
                body = json.dumps(config.document(), indent=2).encode()
                self._send(HTTPStatus.OK, body, "application/json", NOT_CACHED)
                return
            if not (dist / "index.html").is_file():
                text = f"The web app is not built: {dist}/index.html is missing. Run `make dev` (it builds it)."
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, text.encode(), "text/plain; charset=utf-8", NOT_CACHED)
                return
            file, _fallback = resolve(dist, path)
            if file is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", NOT_CACHED)
                return
            # Served as the published site serves it (scripts/publish_web.py): same types, same caching.
            self._send(HTTPStatus.OK, file.read_bytes(), content_type(file.name), cache_control(path.lstrip("/")))

        def do_HEAD(self) -> None:
            self.do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    return server
