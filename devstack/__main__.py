"""The Docker-free local stack: `make dev` runs this in the foreground.

    DynamoDB   moto server, tables created from template.yaml's own table resources
    issuer     the development token issuer's JWKS (devstack.issuer)
    API        template.yaml's routes served by SAM CLI's local API Gateway, with functions run as
               local processes instead of containers (devstack.apigw, in the SAM CLI venv)

Ctrl-C stops all of it.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import boto3

from devstack.common import FAKE_CREDENTIALS, ensure_ports_free, wait_until_healthy
from devstack.dynamodb import SerialisedMotoServer
from devstack.issuer import (
    CLIENT_ID,
    DEFAULT_STATE_DIR,
    ISSUER,
    JWKS_PATH,
    DevIssuer,
    serve_jwks,
)
from devstack.seed import seed_catalog
from devstack.template import REPO_ROOT, TEMPLATE, create_table_requests, load_template

DEFAULT_SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
DEFAULT_LAYER_DEPS = REPO_ROOT / ".build" / "layer-deps"
# Functions run on the bare interpreter this venv was made from: nothing of the dev venv leaks in.
BASE_PYTHON = str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
LOCAL_REGION = "us-east-1"
# Local only, and public on purpose: in AWS the key comes from Secrets Manager.
LOCAL_CURSOR_SIGNING_KEY = "local-development-cursor-signing-key-not-a-secret"
PASSED_THROUGH = {"PATH", "HOME", "LANG", "TMPDIR", "TERM", "PYENV_ROOT", "PYENV_VERSION"}


def function_environment(dynamodb_endpoint: str, jwks_url: str, template: dict[str, Any]) -> dict[str, Any]:
    """The --env-vars document (sam local's format) pointing every function at the local services."""
    tables = {request["TableName"] for request in create_table_requests(template)}
    # Which variable names which table, by the tables' logical ids (the local tables' names).
    variables = {"ShopTable": "TABLE_NAME", "IdempotencyTable": "IDEMPOTENCY_TABLE_NAME"}
    if "ShopTable" not in tables:
        raise SystemExit(f"expected a ShopTable in the template, found {sorted(tables)}")
    return {
        "Parameters": {
            **{variable: table for table, variable in variables.items() if table in tables},
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
            "JWT_ISSUER": ISSUER,
            "JWT_AUDIENCE": CLIENT_ID,
            "JWKS_URL": jwks_url,
            "CURSOR_SIGNING_KEY": LOCAL_CURSOR_SIGNING_KEY,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    }


def api_environment() -> dict[str, str]:
    """A clean environment for the API process: like `sam local`, it lets the shell override any variable
    the template declares, so whatever this shell happens to export would otherwise reach the functions."""
    kept = {name: value for name, value in os.environ.items() if name in PASSED_THROUGH or name.startswith("LC_")}
    return {**kept, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": LOCAL_REGION, "SAM_CLI_TELEMETRY": "0"}


def create_tables(endpoint: str, template: dict[str, Any]) -> None:
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=LOCAL_REGION)
    for request in create_table_requests(template):
        client.create_table(**request)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--dynamodb-port",
        type=int,
        default=int(os.environ.get("DYNAMODB_PORT", "8000")),
    )
    parser.add_argument("--issuer-port", type=int, default=int(os.environ.get("ISSUER_PORT", "3001")))
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="issuer key and env file",
    )
    parser.add_argument("--no-seed", action="store_true", help="start with an empty catalog")
    parser.add_argument("--seed-count", type=int, default=300)
    parser.add_argument(
        "--sam-python",
        type=Path,
        default=Path(os.environ.get("SAM_PYTHON", DEFAULT_SAM_PYTHON)),
    )
    parser.add_argument("--function-python", default=os.environ.get("FUNCTION_PYTHON", BASE_PYTHON))
    parser.add_argument("--layer-deps", type=Path, default=DEFAULT_LAYER_DEPS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": LOCAL_REGION})
    ensure_ports_free(args.host, {"API": args.port, "DynamoDB": args.dynamodb_port, "issuer": args.issuer_port})
    template = load_template(TEMPLATE)
    dynamodb_endpoint = f"http://{args.host}:{args.dynamodb_port}"
    jwks_url = f"http://{args.host}:{args.issuer_port}{JWKS_PATH}"
    api_url = f"http://{args.host}:{args.port}"

    # SIGTERM (e.g. from a test harness) takes the same clean-up path as Ctrl-C.
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT explicitly too: a background job of a script starts with it ignored, and Python keeps that.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)

    # moto's server logs every DynamoDB call through werkzeug; the API's access log is the useful one.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    dynamodb = SerialisedMotoServer(ip_address=args.host, port=args.dynamodb_port, verbose=False)
    dynamodb.start()
    issuer = DevIssuer(args.state_dir)
    jwks_server = serve_jwks(issuer, args.host, args.issuer_port)
    api: subprocess.Popen[bytes] | None = None
    try:
        create_tables(dynamodb_endpoint, template)
        env_file = args.state_dir / "env.json"
        env_file.write_text(json.dumps(function_environment(dynamodb_endpoint, jwks_url, template), indent=2))
        api = subprocess.Popen(
            [
                str(args.sam_python), "-m", "devstack.apigw",
                "--template", str(TEMPLATE),
                "--env-vars", str(env_file),
                "--host", args.host,
                "--port", str(args.port),
                "--layer-deps", str(args.layer_deps),
                "--function-python", args.function_python,
                "--region", LOCAL_REGION,
            ],
            cwd=REPO_ROOT,
            env=api_environment(),
        )  # fmt: skip
        try:
            wait_until_healthy(api_url, api)
        except RuntimeError as error:
            raise SystemExit(str(error)) from None
        if not args.no_seed:
            token = issuer.mint("devstack-seeder", ["admin"])
            seed_catalog(api_url, token, args.seed_count)
        print(
            f"\nLocal stack ready:\n  API       {api_url}\n  DynamoDB  {dynamodb_endpoint}\n"
            f"  JWKS      {jwks_url}\n"
            f"Tokens: make -s token USER=alice GROUPS=admin   (Ctrl-C stops everything)",
            flush=True,
        )
        return api.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if api is not None and api.poll() is None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        jwks_server.shutdown()
        dynamodb.stop()


if __name__ == "__main__":
    sys.exit(main())
