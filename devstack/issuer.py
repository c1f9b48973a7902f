"""The development identity provider: a local stand-in for the Cognito user pool and its hosted sign-in.

It signs Cognito-shaped tokens with an RSA key kept in the state directory (created on first use, never
committed) and serves, on its own port, a small OpenID Connect provider the web app signs in through with
the same library and code path it uses against Cognito. Its ID tokens are what the storefront sends, and the
only tokens API Gateway's user-pool authorizer accepts on a method without OAuth scopes; the local gateway
fetches its JWKS exactly as API Gateway fetches Cognito's in AWS:

    /.well-known/openid-configuration   discovery (its `issuer` is the URL it is served at, the tokens' `iss`)
    /.well-known/jwks.json              the public key (the authorizer fetches it as it fetches Cognito's)
    /oauth2/authorize                   a sign-in page: any user name, no password, "Admin" adds the admin group;
                                        authorization code flow with PKCE (S256 only)
    /oauth2/token                       code + code_verifier -> ID token and access token (CORS for the web app)
    /logout                             end session: back to post_logout_redirect_uri (or Cognito's logout_uri)

The paths are Cognito's. Nothing here is secure beyond keeping a browser's flow honest: it is for a laptop.

    python -m devstack.issuer token --user alice --groups admin   # prints one ID token
"""

import argparse
import base64
import hashlib
import html
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.template import REPO_ROOT

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3001
# The issuer is the URL the provider is served at (OpenID Connect Discovery requires discovery's `issuer` to
# be the URL it was fetched from); this is `make dev`'s, with the default host and port.
ISSUER = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
CLIENT_ID = "shop-local-client"
DEFAULT_STATE_DIR = REPO_ROOT / ".local"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
END_SESSION_PATH = "/logout"
ADMIN_GROUP = "admin"
TOKEN_TTL_SECONDS = 3600
CODE_TTL_SECONDS = 120
# RFC 7636: a verifier is 43-128 characters of the unreserved set.
CODE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def issuer_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def stack_issuer(state_dir: Path) -> str | None:
    """The issuer a stack started with this state directory verifies tokens against (its env.json), if any."""
    try:
        issuer = json.loads((state_dir / "env.json").read_text())["Parameters"]["JWT_ISSUER"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return issuer if isinstance(issuer, str) and issuer else None


class DevIssuer:
    """Signs tokens for `issuer`: by default the one the stack of `state_dir` trusts, else `ISSUER`."""

    def __init__(self, state_dir: Path = DEFAULT_STATE_DIR, issuer: str | None = None) -> None:
        self.key_path = state_dir / "dev-issuer-key.pem"
        self.issuer = issuer or stack_issuer(state_dir) or ISSUER
        self._private_key = self._load_or_create_key()
        public_der = self._private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_der).hexdigest()[:16]

    def _load_or_create_key(self) -> rsa.RSAPrivateKey:
        if not self.key_path.exists():
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # Write then rename: a `make token` racing `make dev` must not read half a key, and
            # whichever rename lands last wins for both (they re-read below).
            with tempfile.NamedTemporaryFile(dir=self.key_path.parent, delete=False) as handle:
                handle.write(pem)
            os.chmod(handle.name, 0o600)
            if not self.key_path.exists():
                os.replace(handle.name, self.key_path)
            else:
                os.unlink(handle.name)
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._private_key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})

    def mint(self, user_id: str, groups: list[str], ttl_seconds: int = TOKEN_TTL_SECONDS, **overrides: Any) -> str:
        """A token like a Cognito ID token (what the REST API's user-pool authorizer takes); overrides replace
        claims, None removes one (tests forge bad ones)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user_id,
            "cognito:username": user_id,
            "aud": CLIENT_ID,
            "token_use": "id",
            # Cognito leaves the claim out for a user in no group.
            **({"cognito:groups": groups} if groups else {}),
            "auth_time": now,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        claims.update(overrides)
        return self._sign({name: value for name, value in claims.items() if value is not None})

    def mint_id_token(
        self, user_id: str, groups: list[str], nonce: str | None, ttl_seconds: int = TOKEN_TTL_SECONDS
    ) -> str:
        """The sign-in's ID token: as `mint`'s, with the user's address and the sign-in request's nonce echoed."""
        return self.mint(
            user_id,
            groups,
            ttl_seconds,
            email=f"{user_id}@example.com",
            email_verified=True,
            nonce=nonce or None,
        )

    def mint_access_token(self, user_id: str, groups: list[str], ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
        """A token like a Cognito access token: the app client in `client_id`, no `aud`. The REST API's user-pool
        authorizer refuses it (its methods have no OAuth scopes); the web app sends the ID token."""
        return self.mint(
            user_id,
            groups,
            ttl_seconds,
            aud=None,
            **{"cognito:username": None},
            username=user_id,
            client_id=CLIENT_ID,
            token_use="access",  # noqa: S106 (a claim, not a secret)
            scope="openid email profile",
        )


def serve_jwks(issuer: DevIssuer, host: str, port: int) -> ThreadingHTTPServer:
    """Serve only the issuer's JWKS on a daemon thread (tests of the authorizer); call .shutdown() to stop."""
    body = json.dumps(issuer.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="dev-issuer", daemon=True).start()
    return server


@dataclass(frozen=True)
class _Grant:
    """What an authorization code stands for, until the token endpoint redeems it (once)."""

    user: str
    groups: list[str]
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scope: str
    expires_at: float


class OAuthError(Exception):
    """An OAuth 2.0 error (RFC 6749): sent to the client as `error` and `error_description`."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class OidcProvider:
    """The provider's logic, apart from HTTP: which requests are good, and what they are answered with."""

    def __init__(self, issuer: DevIssuer, web_origins: list[str]) -> None:
        self.issuer = issuer
        # The web app's origins: where sign-in and sign-out may send the browser back to, and which may call
        # the token endpoint from a page.
        self.web_origins = list(web_origins)
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        base = self.issuer.issuer
        return {
            "issuer": base,
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "jwks_uri": base + JWKS_PATH,
            "end_session_endpoint": base + END_SESSION_PATH,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "nonce", "email", "cognito:username", "cognito:groups"],
        }

    def allowed_return_uri(self, uri: str) -> bool:
        """A redirect back to the web app: an absolute http(s) URL on one of its origins, without a fragment."""
        parts = urllib.parse.urlsplit(uri)
        return (
            parts.scheme in ("http", "https")
            and not parts.fragment
            and f"{parts.scheme}://{parts.netloc}".lower() in self.web_origins
        )

    def check_client(self, params: dict[str, str]) -> str:
        """The client and its redirect URI, which must be right before any error may be redirected to it."""
        if params.get("client_id") != CLIENT_ID:
            raise ValueError(f"unknown client_id {params.get('client_id')!r}: the local app client is {CLIENT_ID!r}")
        redirect_uri = params.get("redirect_uri", "")
        if not self.allowed_return_uri(redirect_uri):
            raise ValueError(f"redirect_uri {redirect_uri!r} is not on a web origin of this stack {self.web_origins}")
        return redirect_uri

    def check_authorization_request(self, params: dict[str, str]) -> None:
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "only the authorization code flow (response_type=code)")
        if "openid" not in params.get("scope", "").split():
            raise OAuthError("invalid_scope", "the scope must include openid")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            raise OAuthError("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
        if params.get("prompt") == "none":
            # No sessions are kept here: every sign-in asks for a user name.
            raise OAuthError("login_required", "sign in interactively")

    def grant(self, params: dict[str, str], user: str, admin: bool) -> str:
        """A single-use code for this user, bound to the request's redirect URI, challenge and nonce."""
        code = secrets.token_urlsafe(32)
        grant = _Grant(
            user=user,
            groups=[ADMIN_GROUP] if admin else [],
            redirect_uri=params["redirect_uri"],
            code_challenge=params["code_challenge"],
            nonce=params.get("nonce") or None,
            scope=params.get("scope", "openid"),
            expires_at=time.monotonic() + CODE_TTL_SECONDS,
        )
        with self._lock:
            now = time.monotonic()
            for stale in [key for key, each in self._grants.items() if each.expires_at < now]:
                del self._grants[stale]
            self._grants[code] = grant
        return code

    def redeem(self, form: dict[str, str]) -> dict[str, Any]:
        """The token endpoint: an authorization code and its PKCE verifier for tokens (RFC 6749 4.1.3, RFC 7636)."""
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "only grant_type=authorization_code")
        if form.get("client_id") != CLIENT_ID:
            raise OAuthError("invalid_client", f"unknown client_id {form.get('client_id')!r}")
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # single use, even when the rest is wrong
        if grant is None or grant.expires_at < time.monotonic():
            raise OAuthError("invalid_grant", "unknown, used or expired authorization code")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = form.get("code_verifier", "")
        if not CODE_VERIFIER.fullmatch(verifier):
            raise OAuthError("invalid_grant", "code_verifier must be 43-128 unreserved characters")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(challenge, grant.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        return {
            "access_token": self.issuer.mint_access_token(grant.user, grant.groups),
            "id_token": self.issuer.mint_id_token(grant.user, grant.groups, grant.nonce),
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECONDS,
            "scope": grant.scope,
        }


SIGN_IN_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f4f5; color: #18181b; }
main { max-width: 22rem; margin: 10vh auto; background: #fff; padding: 1.5rem; border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: 1rem 0 0.25rem; }
.check { display: flex; gap: 0.5rem; align-items: center; margin: 1rem 0; }
.check label { margin: 0; }
input[type=text] { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; border: 1px solid #52525b; }
button { font: inherit; padding: 0.5rem 1.25rem; background: #1d4ed8; color: #fff; border: 0; border-radius: 4px; }
.error { color: #b91c1c; }
.note { color: #3f3f46; font-size: 0.9rem; }
"""
SIGN_IN_CSS_HASH = base64.b64encode(hashlib.sha256(SIGN_IN_CSS.encode()).digest()).decode()
# Fields of the authorization request the sign-in form carries through its POST.
CARRIED = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
           "code_challenge_method")  # fmt: skip


def sign_in_page(params: dict[str, str], *, user: str = "", error: str = "") -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">' for name in CARRIED if name in params
    )
    message = f'<p id="user-error" class="error" role="alert">{html.escape(error)}</p>' if error else ""
    described = ' aria-describedby="user-error" aria-invalid="true"' if error else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · local shop</title>
<style>{SIGN_IN_CSS}</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p class="note">Local development sign-in: no password. Any user name signs in as that user;
tick Admin to join the admin group.</p>
<form method="post" action="{AUTHORIZE_PATH}">
{hidden}
<label for="username">User name</label>
<input type="text" id="username" name="username" value="{html.escape(user)}" autocomplete="username"
 required maxlength="64" autocapitalize="none" spellcheck="false"{described}>
{message}
<div class="check"><input type="checkbox" id="admin" name="admin" value="yes"><label for="admin">Admin</label></div>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""


def message_page(title: str, text: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><main><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></main></body></html>"
    )


def with_query(uri: str, params: dict[str, str]) -> str:
    """`uri` with `params` added to its query (RFC 6749 4.1.2: keep the redirect URI's own query)."""
    parts = urllib.parse.urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urllib.parse.urlencode(params)]))
    return urllib.parse.urlunsplit(parts._replace(query=query))


def serve_provider(provider: OidcProvider, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the OpenID Connect provider on a daemon thread; call .shutdown() to stop."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _cors(self) -> dict[str, str]:
            origin = self.headers.get("Origin", "")
            if origin.lower() in provider.web_origins:
                return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
            return {"Vary": "Origin"}

        def _json(self, status: int, document: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(document).encode(), "application/json", {**self._cors(), **(headers or {})})

        def _page(self, status: int, page: str, form_action: str = "'none'") -> None:
            csp = (
                f"default-src 'none'; style-src 'sha256-{SIGN_IN_CSS_HASH}'; form-action {form_action}; "
                "frame-ancestors 'none'; base-uri 'none'"
            )
            headers = {
                "Content-Security-Policy": csp,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            }
            self._send(status, page.encode(), "text/html; charset=utf-8", headers)

        def _redirect(self, location: str) -> None:
            self._send(HTTPStatus.FOUND, b"", "text/plain", {"Location": location, "Cache-Control": "no-store"})

        def _query(self) -> dict[str, str]:
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))

        def _form(self) -> dict[str, str]:
            # A form of at most 64 KiB; a missing or malformed length reads as an empty form (then refused as such).
            length = self.headers.get("Content-Length", "")
            size = min(int(length), 65536) if length.isdigit() else 0
            return dict(urllib.parse.parse_qsl(self.rfile.read(size).decode(errors="replace")))

        def _route(self) -> str:
            return urllib.parse.urlsplit(self.path).path

        def do_GET(self) -> None:
            route = self._route()
            if route == DISCOVERY_PATH:
                self._json(HTTPStatus.OK, provider.discovery())
            elif route == JWKS_PATH:
                self._json(HTTPStatus.OK, provider.issuer.jwks())
            elif route == AUTHORIZE_PATH:
                self._authorize(self._query(), submitted=False)
            elif route == END_SESSION_PATH:
                self._end_session(self._query())
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "error_description": route})

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_POST(self) -> None:
            route = self._route()
            if route == AUTHORIZE_PATH:
                self._authorize(self._form(), submitted=True)
            elif route == TOKEN_PATH:
                self._token(self._form())
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "error_description": route})

        def do_OPTIONS(self) -> None:
            # Preflight of the token endpoint (a browser adds one for any header beyond the simple ones).
            headers = {
                **self._cors(),
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Authorization",
                "Access-Control-Max-Age": "600",
            }
            self._send(HTTPStatus.NO_CONTENT, b"", "text/plain", headers)

        def _authorize(self, params: dict[str, str], *, submitted: bool) -> None:
            try:
                redirect_uri = provider.check_client(params)
            except ValueError as error:
                # Never redirect to an unchecked URI: show the error here instead.
                self._page(HTTPStatus.BAD_REQUEST, message_page("Sign-in request refused", str(error)))
                return
            state = {"state": params["state"]} if "state" in params else {}
            try:
                provider.check_authorization_request(params)
            except OAuthError as error:
                failure = {"error": error.error, "error_description": error.description, **state}
                self._redirect(with_query(redirect_uri, failure))
                return
            origin = urllib.parse.urlsplit(redirect_uri)
            form_action = f"'self' {origin.scheme}://{origin.netloc}"  # the POST redirects there
            if not submitted:
                self._page(HTTPStatus.OK, sign_in_page(params), form_action)
                return
            user = params.get("username", "").strip()
            if not USER_NAME.fullmatch(user):
                error = "Enter a user name of 1 to 64 letters, digits, dots, dashes, underscores or @."
                self._page(HTTPStatus.BAD_REQUEST, sign_in_page(params, user=user, error=error), form_action)
                return
            code = provider.grant(params, user, admin=params.get("admin") == "yes")
            self._redirect(with_query(redirect_uri, {"code": code, **state}))

        def _token(self, form: dict[str, str]) -> None:
            try:
                tokens = provider.redeem(form)
            except OAuthError as error:
                status = HTTPStatus.UNAUTHORIZED if error.error == "invalid_client" else HTTPStatus.BAD_REQUEST
                self._json(status, {"error": error.error, "error_description": error.description},
                           {"Cache-Control": "no-store"})  # fmt: skip
                return
            self._json(HTTPStatus.OK, tokens, {"Cache-Control": "no-store", "Pragma": "no-cache"})

        def _end_session(self, params: dict[str, str]) -> None:
            # OpenID Connect RP-Initiated Logout's parameter, or Cognito's /logout one.
            target = params.get("post_logout_redirect_uri") or params.get("logout_uri")
            if target is None:
                self._page(HTTPStatus.OK, message_page("Signed out", "You are signed out of the local shop."))
            elif provider.allowed_return_uri(target):
                self._redirect(with_query(target, {"state": params["state"]}) if "state" in params else target)
            else:
                page = message_page("Sign-out request refused", f"{target!r} is not on a web origin of this stack")
                self._page(HTTPStatus.BAD_REQUEST, page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="dev-oidc-provider", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.issuer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a signed ID token for the local stack")
    token.add_argument("--user", required=True, help="user id (the token's sub)")
    token.add_argument("--groups", default="", help="comma-separated groups, e.g. admin")
    token.add_argument("--ttl", type=int, default=TOKEN_TTL_SECONDS, help="seconds until it expires")
    token.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    token.add_argument(
        "--issuer", help="the token's iss (default: the issuer of the stack using --state-dir, else " + ISSUER + ")"
    )
    args = parser.parse_args(argv)
    if not args.user.strip():
        parser.error("--user must not be empty")
    groups = [group.strip() for group in args.groups.split(",") if group.strip()]
    print(DevIssuer(args.state_dir, args.issuer).mint(args.user.strip(), groups, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
