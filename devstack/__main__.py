"""The Docker-free local stack: `make dev` runs this in the foreground.

    DynamoDB   moto server, tables created from template.yaml's own table resources; it also serves
               their streams, and SQS with the template's queues
    OpenSearch osmem-server, an in-memory OpenSearch-compatible server; the search index is created
               by `python -m scripts.search_index ensure`
    issuer     the development identity provider: OpenID Connect sign-in for the web app, tokens, JWKS
               (devstack.issuer)
    API        template.yaml's routes served by SAM CLI's local API Gateway, with functions run as
               local processes instead of containers (devstack.apigw, in the SAM CLI venv); its
               user-pool authorizer verifies the dev issuer's ID tokens as API Gateway verifies Cognito's
    Lambda     SAM CLI's local Lambda Invoke endpoint, on the same function runtime
    streams    the template's DynamoDB stream events: a poller invoking their functions as Lambda's
               event source mapping does (devstack.streams)
    events     the template's EventBridge buses and rules: PutEvents, delivery to functions and queues with
               retries and dead letters (devstack.eventbus)
    WebSocket  the template's WebSocket API and its @connections endpoint (devstack.websocket)
    mailbox    SES v2 caught, never sent: a page and /messages.json (devstack.mailbox)
    web        the built web app (frontend/dist) with its config.json and security headers (devstack.web)

The console shows one line per request and one per function log record (devstack.console); --verbose
(`VERBOSE=1 make dev`) prints every line as the functions and SAM CLI write it. Ctrl-C stops all of it.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
from osmem_server import OsmemServer
from tqdm import tqdm

from devstack import eventbus, mailbox, websocket
from devstack.common import FAKE_CREDENTIALS, ensure_ports_free, wait_until_healthy
from devstack.console import Console, ConsoleFormatter, ConsoleHandler
from devstack.dynamodb import SerialisedMotoServer
from devstack.issuer import (
    CLIENT_ID,
    DEFAULT_STATE_DIR,
    ISSUER,
    JWKS_PATH,
    DevIssuer,
    OidcProvider,
    issuer_url,
    serve_provider,
)
from devstack.seed import seed_catalog
from devstack.streams import EventSourceMapping, LambdaEndpoint, start_stream_triggers
from devstack.template import REPO_ROOT, TEMPLATE, create_queue_requests, create_table_requests, load_template
from devstack.web import DEFAULT_VITE_PORT, DEFAULT_WEB_PORT, DIST, WebConfig, serve_web, web_origins

DEFAULT_SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
DEFAULT_LAYER_DEPS = REPO_ROOT / ".build" / "layer-deps"
# Functions run on the bare interpreter this venv was made from: nothing of the dev venv leaks in.
BASE_PYTHON = str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
LOCAL_REGION = "us-east-1"
# Local only, and public on purpose: in AWS the key comes from Secrets Manager.
LOCAL_CURSOR_SIGNING_KEY = "local-development-cursor-signing-key-not-a-secret"
SHOP_TABLE = "ShopTable"
IDEMPOTENCY_TABLE = "IdempotencyTable"
PASSED_THROUGH = {"PATH", "HOME", "LANG", "TMPDIR", "TERM", "PYENV_ROOT", "PYENV_VERSION"}


# The web app's origins on `make dev`'s default ports: the built app and Vite's dev server.
DEFAULT_WEB_ORIGINS = web_origins("127.0.0.1", DEFAULT_WEB_PORT, DEFAULT_VITE_PORT)


def function_environment(
    dynamodb_endpoint: str,
    jwks_url: str,
    template: dict[str, Any],
    *,
    opensearch_endpoint: str,
    local_endpoints: dict[str, str] | None = None,
    issuer: str = ISSUER,
    cors_origins: list[str] = DEFAULT_WEB_ORIGINS,
) -> dict[str, Any]:
    """The --env-vars document (sam local's format) pointing every function at the local services."""
    tables = {request["TableName"] for request in create_table_requests(template)}
    return {
        "Parameters": {
            "TABLE_NAME": table_name(template),
            # Checkout's idempotency records (the local tables are named by their logical ids).
            **({"IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE} if IDEMPOTENCY_TABLE in tables else {}),
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
            "OPENSEARCH_ENDPOINT": opensearch_endpoint,
            # The local server speaks plain HTTP without authentication; in AWS the functions sign with SigV4.
            "OPENSEARCH_AUTH": "none",
            # The local user pool, for the one function that verifies tokens itself: the WebSocket API's $connect
            # authorizer (the REST API's are verified by the gateway's user-pool authorizer, which is given the
            # same issuer, JWKS and client). sam local hands a function only the variables it declares.
            "JWT_ISSUER": issuer,
            "JWT_AUDIENCE": CLIENT_ID,
            "JWKS_URL": jwks_url,
            "CURSOR_SIGNING_KEY": LOCAL_CURSOR_SIGNING_KEY,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # EventBridge, SES v2 and the WebSocket API's @connections, served locally (AWS_ENDPOINT_URL_*).
            **(local_endpoints or {}),
            # The local web app's origins only; a deployed stack's come from its CorsAllowedOrigins parameter.
            "CORS_ALLOWED_ORIGINS": ",".join(cors_origins),
        }
    }


def table_name(template: dict[str, Any]) -> str:
    """The shop's table (the local tables are named by their logical ids)."""
    tables = {request["TableName"] for request in create_table_requests(template)}
    if SHOP_TABLE not in tables:
        raise SystemExit(f"expected a {SHOP_TABLE} in the template, found {sorted(tables)}")
    return SHOP_TABLE


def api_environment() -> dict[str, str]:
    """A clean environment for the API process: like `sam local`, it lets the shell override any variable
    the template declares, so whatever this shell happens to export would otherwise reach the functions."""
    kept = {name: value for name, value in os.environ.items() if name in PASSED_THROUGH or name.startswith("LC_")}
    return {**kept, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": LOCAL_REGION, "SAM_CLI_TELEMETRY": "0"}


def create_tables(endpoint: str, template: dict[str, Any]) -> None:
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=LOCAL_REGION)
    for request in create_table_requests(template):
        client.create_table(**request)


def create_queues(endpoint: str, template: dict[str, Any]) -> dict[str, str]:
    """The template's queues, created in the local SQS: their URLs by logical id."""
    client = boto3.client("sqs", endpoint_url=endpoint, region_name=LOCAL_REGION)
    return {
        logical_id: client.create_queue(**request)["QueueUrl"]
        for logical_id, request in create_queue_requests(template).items()
    }


# The order events' resources as the local stack names them: by logical id (what `!Ref` gives locally).
LOCAL_USER_EMAIL_DOMAIN = "shop.localhost"
LOCAL_ACCOUNT = "123456789012"


def order_events_environment(template: dict[str, Any], moto_endpoint: str, host: str, ws_port: int) -> dict[str, str]:
    """What the publisher and the consumers need locally: the bus, the mail templates and users' addresses, the
    connections table and the @connections endpoint, and the alert topic in moto's SNS."""
    resources = template.get("Resources", {})
    if "ShopEventBus" not in resources:
        return {}
    stage = websocket.websocket_api(template)
    return {
        "EVENT_BUS_NAME": "ShopEventBus",
        "ORDER_PLACED_TEMPLATE": "OrderPlacedMailTemplate",
        "ORDER_STATUS_TEMPLATE": "OrderStatusMailTemplate",
        "ORDER_CANCELLED_TEMPLATE": "OrderCancelledMailTemplate",
        "LOCAL_USER_EMAIL_DOMAIN": LOCAL_USER_EMAIL_DOMAIN,
        "CONNECTIONS_TABLE_NAME": "LiveConnectionsTable",
        **({"WEBSOCKET_MANAGEMENT_ENDPOINT": f"http://{host}:{ws_port}/{stage.stage}"} if stage else {}),
        "ALERTS_TOPIC_ARN": f"arn:aws:sns:{LOCAL_REGION}:{LOCAL_ACCOUNT}:StockAlertsTopic",
        "AWS_ENDPOINT_URL_SNS": moto_endpoint,
    }


def create_topics(endpoint: str, template: dict[str, Any]) -> dict[str, str]:
    """The template's SNS topics, created in moto's SNS by logical id: their ARNs by logical id."""
    client = boto3.client("sns", endpoint_url=endpoint, region_name=LOCAL_REGION)
    return {
        logical_id: client.create_topic(Name=logical_id)["TopicArn"]
        for logical_id, resource in template.get("Resources", {}).items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::SNS::Topic"
    }


def create_search_index(env_file: Path) -> None:
    """The search index and its alias, made by the same command an operator runs against AWS, configured
    as the functions are (`env_file`)."""
    command = [sys.executable, "-m", "scripts.search_index", "--local", "--env-file", str(env_file), "ensure"]
    if subprocess.run(command, cwd=REPO_ROOT, env=api_environment(), check=False).returncode != 0:
        raise SystemExit(f"creating the search index failed: {' '.join(command)}")


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
        "--opensearch-port",
        type=int,
        default=int(os.environ.get("OPENSEARCH_PORT", "9200")),
        help="the in-memory OpenSearch-compatible server (osmem-server)",
    )
    parser.add_argument(
        "--lambda-port",
        type=int,
        default=int(os.environ.get("LAMBDA_PORT", "3002")),
        help="Lambda's Invoke API (what `sam local start-lambda` serves)",
    )
    parser.add_argument("--events-port", type=int, default=int(os.environ.get("EVENTS_PORT", "3005")))
    parser.add_argument("--ws-port", type=int, default=int(os.environ.get("WS_PORT", "3003")))
    parser.add_argument("--mail-port", type=int, default=int(os.environ.get("MAIL_PORT", "3004")))
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="issuer key and env file",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        default=int(os.environ.get("WEB_PORT", str(DEFAULT_WEB_PORT))),
        help="the built web app (frontend/dist)",
    )
    parser.add_argument(
        "--vite-port",
        type=int,
        default=int(os.environ.get("VITE_PORT", str(DEFAULT_VITE_PORT))),
        help="Vite's dev server (`make web`): only allowed as an origin, not started here",
    )
    parser.add_argument("--web-dist", type=Path, default=DIST, help="the built web app to serve")
    parser.add_argument("--no-seed", action="store_true", help="start with an empty catalog")
    parser.add_argument("--seed-count", type=int, default=300)
    parser.add_argument(
        "--sam-python",
        type=Path,
        default=Path(os.environ.get("SAM_PYTHON", DEFAULT_SAM_PYTHON)),
    )
    parser.add_argument("--function-python", default=os.environ.get("FUNCTION_PYTHON", BASE_PYTHON))
    parser.add_argument("--layer-deps", type=Path, default=DEFAULT_LAYER_DEPS)
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="print the functions' raw output (JSON logs, metrics) and every access line (`VERBOSE=1 make dev`)",
    )
    return parser.parse_args(argv)


def print_line(text: str) -> None:
    """Print above tqdm's progress bar, if one is showing: the bar is cleared, the line written, the bar redrawn."""
    with tqdm.external_write_mode(file=sys.stdout):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # botocore 1.44 resolves account-id endpoints, which moto's streams cannot serve.
    os.environ.update(
        {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": LOCAL_REGION, "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}
    )
    ensure_ports_free(
        args.host,
        {
            "API": args.port,
            "DynamoDB": args.dynamodb_port,
            "issuer": args.issuer_port,
            "OpenSearch": args.opensearch_port,
            "Lambda": args.lambda_port,
            "EventBridge": args.events_port,
            "WebSocket": args.ws_port,
            "mailbox": args.mail_port,
            "web": args.web_port,
        },
    )
    template = load_template(TEMPLATE)
    dynamodb_endpoint = f"http://{args.host}:{args.dynamodb_port}"
    jwks_url = f"http://{args.host}:{args.issuer_port}{JWKS_PATH}"
    api_url = f"http://{args.host}:{args.port}"
    lambda_url = f"http://{args.host}:{args.lambda_port}"
    local_endpoints = {
        **eventbus.local_environment(args.host, args.events_port),
        **mailbox.local_environment(args.host, args.mail_port),
        **websocket.local_environment(template, args.host, args.ws_port),
        **order_events_environment(template, dynamodb_endpoint, args.host, args.ws_port),
    }
    issuer_address = issuer_url(args.host, args.issuer_port)
    web_url = f"http://{args.host}:{args.web_port}"
    origins = web_origins(args.host, args.web_port, args.vite_port)

    # SIGTERM (e.g. from a test harness) takes the same clean-up path as Ctrl-C.
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT explicitly too: a background job of a script starts with it ignored, and Python keeps that.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)

    console = Console(ConsoleFormatter(verbose=args.verbose), print_line)
    # moto's server logs every DynamoDB call through werkzeug; the API's request lines are the useful ones.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The stream trigger's warnings (a batch given up on, the function unreachable) go to the console.
    handler = ConsoleHandler(console)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    dynamodb = SerialisedMotoServer(ip_address=args.host, port=args.dynamodb_port, verbose=False)
    dynamodb.start()
    issuer = DevIssuer(args.state_dir, issuer_address)
    issuer_server = serve_provider(OidcProvider(issuer, origins), args.host, args.issuer_port)
    ws_url = f"ws://{args.host}:{args.ws_port}" if websocket.websocket_api(template) else None
    web_config = WebConfig(api_url=api_url, authority=issuer_address, client_id=CLIENT_ID, ws_url=ws_url)
    web_server = serve_web(args.web_dist, web_config, args.host, args.web_port, issuer_url=issuer_address)
    opensearch: OsmemServer | None = None
    api: subprocess.Popen[bytes] | None = None
    api_output: threading.Thread | None = None
    stream_triggers: list[EventSourceMapping] = []
    event_bus: eventbus.EventBus | None = None
    ws_gateway: websocket.WebSocketGateway | None = None
    mail = mailbox.start_mailbox(template, host=args.host, port=args.mail_port)
    try:
        create_tables(dynamodb_endpoint, template)
        queue_urls = create_queues(dynamodb_endpoint, template)
        create_topics(dynamodb_endpoint, template)
        # It stops by itself should this process die without cleaning up (it watches its parent's pid).
        opensearch = OsmemServer.start(addr=f"{args.host}:{args.opensearch_port}", japanese=False)
        env_file = args.state_dir / "env.json"
        environment = function_environment(
            dynamodb_endpoint,
            jwks_url,
            template,
            opensearch_endpoint=opensearch.url,
            issuer=issuer_address,
            cors_origins=origins,
            local_endpoints=local_endpoints,
        )
        env_file.write_text(json.dumps(environment, indent=2))
        create_search_index(env_file)
        api = subprocess.Popen(
            [
                str(args.sam_python), "-m", "devstack.apigw",
                "--template", str(TEMPLATE),
                "--env-vars", str(env_file),
                "--host", args.host,
                "--port", str(args.port),
                "--lambda-port", str(args.lambda_port),
                "--layer-deps", str(args.layer_deps),
                "--function-python", args.function_python,
                "--region", LOCAL_REGION,
                # The template's user-pool authorizer verifies the dev issuer's tokens (devstack.userpool).
                "--user-pool-issuer", issuer_address,
                "--user-pool-jwks-url", jwks_url,
                "--user-pool-client-id", CLIENT_ID,
            ],
            cwd=REPO_ROOT,
            # Unbuffered: its lines reach the console as they are written, in order.
            env={**api_environment(), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert api.stdout is not None
        api_output = console.pump(api.stdout)
        try:
            wait_until_healthy(api_url, api)
        except RuntimeError as error:
            raise SystemExit(str(error)) from None
        # Before seeding, so that the demo catalog is indexed as it is written.
        invoke = LambdaEndpoint(lambda_url, LOCAL_REGION)
        event_bus = eventbus.start_event_bus(
            template, invoke, sqs_endpoint_url=dynamodb_endpoint, host=args.host, port=args.events_port,
            region=LOCAL_REGION,
        )  # fmt: skip
        ws_gateway = websocket.start_websocket_gateway(
            template, invoke, host=args.host, port=args.ws_port, region=LOCAL_REGION
        )
        stream_triggers = start_stream_triggers(template, dynamodb_endpoint, LOCAL_REGION, invoke)
        if not args.no_seed:
            token = issuer.mint("devstack-seeder", ["admin"])
            seed_catalog(api_url, token, args.seed_count)
        queues = "".join(f"  {'queue':<11}{url}  ({logical_id})\n" for logical_id, url in queue_urls.items())
        built = "" if (args.web_dist / "index.html").is_file() else f"   (not built: no {args.web_dist}/index.html)"
        print(
            f"\nLocal stack ready:\n  Web        {web_url}{built}\n  API        {api_url}\n"
            f"  DynamoDB   {dynamodb_endpoint}\n"
            f"  OpenSearch {opensearch.url}\n  Lambda     {lambda_url}\n{queues}"
            f"  Issuer     {issuer_address}   (OpenID Connect; client id {CLIENT_ID})\n"
            f"  JWKS       {jwks_url}\n  events     {event_bus.url}\n"
            + (f"  WebSocket  {ws_gateway.url}  (@connections: {ws_gateway.management_url})\n" if ws_gateway else "")
            + f"  Mailbox    {mail.url}/\n"
            f"Open {web_url} to shop. Tokens: make -s token USER=alice GROUPS=admin   (Ctrl-C stops everything)"
            + ("" if args.verbose else "\nOne line per request and per function log; VERBOSE=1 make dev: raw logs."),
            flush=True,
        )
        return api.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for trigger in stream_triggers:
            trigger.stop()
        if event_bus is not None:
            event_bus.stop(timeout_seconds=0)
        if ws_gateway is not None:
            ws_gateway.stop()
        mail.stop()
        if api is not None and api.poll() is None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        if api_output is not None:
            api_output.join(timeout=5)  # its last lines (the API's own shutdown) before this process's exit
        # With the Lambda endpoint gone, an invocation in flight ends at once.
        for trigger in stream_triggers:
            trigger.join()
        if opensearch is not None:
            opensearch.close()
        web_server.shutdown()
        issuer_server.shutdown()
        dynamodb.stop()


if __name__ == "__main__":
    sys.exit(main())
