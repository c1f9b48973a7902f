"""The development token issuer: a local stand-in for the Cognito user pool.

It signs Cognito-shaped ID tokens (what the storefront sends, and the only tokens API Gateway's user-pool
authorizer accepts on a method without OAuth scopes) with an RSA key kept in the state directory (created on
first use, never committed) and publishes the public key as a JWKS over HTTP, which the local gateway
fetches exactly as API Gateway fetches Cognito's in AWS.

    python -m devstack.issuer token --user alice --groups admin   # prints one token
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.template import REPO_ROOT

ISSUER = "https://issuer.shop.local/dev"
CLIENT_ID = "shop-local-client"
DEFAULT_STATE_DIR = REPO_ROOT / ".local"
JWKS_PATH = "/.well-known/jwks.json"


class DevIssuer:
    def __init__(self, state_dir: Path = DEFAULT_STATE_DIR) -> None:
        self.key_path = state_dir / "dev-issuer-key.pem"
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

    def mint(self, user_id: str, groups: list[str], ttl_seconds: int = 3600, **overrides: Any) -> str:
        """A token like a Cognito ID token; overrides replace claims, None removes one (tests forge bad ones)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
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
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})


def serve_jwks(issuer: DevIssuer, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the issuer's JWKS on a daemon thread; call .shutdown() to stop."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.issuer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a signed token for the local stack")
    token.add_argument("--user", required=True, help="user id (the token's sub)")
    token.add_argument("--groups", default="", help="comma-separated groups, e.g. admin")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args(argv)
    if not args.user.strip():
        parser.error("--user must not be empty")
    groups = [group.strip() for group in args.groups.split(",") if group.strip()]
    print(DevIssuer(args.state_dir).mint(args.user.strip(), groups, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
