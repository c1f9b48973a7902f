"""`make -s token` prints exactly one token that the dev issuer's JWKS verifies."""

import subprocess
from pathlib import Path

import jwt

from devstack.issuer import CLIENT_ID, DEFAULT_STATE_DIR, ISSUER, DevIssuer, stack_issuer

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_given_user_and_groups_when_make_token_then_one_line_signed_token_with_those_claims():
    result = subprocess.run(
        ["make", "-s", "token", "USER=alice", "GROUPS=admin, staff"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    key = jwt.PyJWK(DevIssuer(DEFAULT_STATE_DIR).jwks()["keys"][0]).key
    # The issuer of the stack `make dev` last ran with the default state directory, else the default one.
    issuer = stack_issuer(DEFAULT_STATE_DIR) or ISSUER
    claims = jwt.decode(lines[0], key, algorithms=["RS256"], issuer=issuer, options={"verify_aud": False})
    assert claims["sub"] == "alice"
    assert claims["cognito:groups"] == ["admin", "staff"]
    assert claims["aud"] == CLIENT_ID and claims["token_use"] == "id"  # an ID token, as the storefront sends


def test_given_no_user_when_token_command_then_it_refuses():
    result = subprocess.run(
        ["make", "-s", "token", "USER= "], check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and not result.stdout.strip()
