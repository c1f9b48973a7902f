"""Functions traced as in Lambda: each runs in a process of its own with Lambda's tracing environment, and this
test listens where the X-Ray daemon would, so it sees exactly the segments the function sends.

Run as a module (`python -m tests.unit.common.test_observability_tracing <function>`, the event on stdin), this file is
that process: it imports the function and invokes it once, against moto where the function needs DynamoDB.
"""

import contextlib
import importlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
TRACE_ID = "Root=1-6745f0a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
ADDRESS = {"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH"}


def traced(name: str, event: dict[str, Any], **environment: str) -> tuple[Any, list[dict[str, Any]]]:
    """The function's response to one invocation, and every trace entity (segment or subsegment) it sent."""
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(0.5)
    code = REPO_ROOT / "functions" / name
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(map(str, [code, REPO_ROOT / "layers" / "shared", REPO_ROOT])),
        # What Lambda sets with active tracing; nothing that would tell Powertools it runs locally.
        "LAMBDA_TASK_ROOT": str(code),
        "AWS_LAMBDA_FUNCTION_NAME": f"shop-{name}",
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "shop",
        "TABLE_NAME": "ShopTable",
        "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
        "CURSOR_SIGNING_KEY": "tracing-tests-cursor-signing-key-0123",
        "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
        **environment,
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.unit.common.test_observability_tracing", name],
            input=json.dumps(event), env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        entities = []
        with contextlib.suppress(TimeoutError):
            while True:
                header, _, body = daemon.recv(1 << 16).decode().partition("\n")
                assert json.loads(header) == {"format": "json", "version": 1}
                entities.append(json.loads(body))
    finally:
        daemon.close()
    response = json.loads(result.stdout.strip().splitlines()[-1])
    return response, entities


def named(entities: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [entity] = [entity for entity in entities if entity["name"] == name]
    return entity


def test_given_health_when_traced_then_handler_subsegment_with_cold_start_and_its_response():
    response, entities = traced("health", _event("health"))
    assert response["statusCode"] == 200
    handler = named(entities, "## lambda_handler")
    assert handler["trace_id"] == "1-6745f0a0-0123456789abcdef01234567"
    assert handler["annotations"] == {"ColdStart": True, "Service": "shop"}
    # Health holds nothing private: its response is kept, which shows what the other functions leave out.
    assert '{\\"status\\":\\"ok\\"}' in json.dumps(handler["metadata"])


def test_given_checkout_when_traced_then_dynamodb_calls_traced_and_the_order_and_address_never():
    response, entities = traced("create_order", _event("create_order"))
    assert response["statusCode"] == 201, response
    order_id = json.loads(response["body"])["id"]
    named(entities, "## lambda_handler")
    named(entities, "## app.post_order")  # the checkout's own subsegment
    operations = {entity.get("aws", {}).get("operation") for entity in entities if entity.get("namespace") == "aws"}
    assert {"GetItem", "BatchGetItem", "TransactWriteItems"} <= operations, operations
    sent = json.dumps(entities)
    assert order_id not in sent
    assert not [value for value in ADDRESS.values() if value in sent]


def _event(name: str) -> dict[str, Any]:
    return json.loads((REPO_ROOT / "events" / f"{name}.json").read_text())


# The function's process


class _Context:
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
    memory_limit_in_mb = 512
    aws_request_id = "8f1d0a5e-0000-4000-8000-000000000001"
    log_group_name = f"/aws/lambda/{function_name}"
    log_stream_name = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@contextlib.contextmanager
def _backend(name: str, event: dict[str, Any]) -> Iterator[None]:
    """moto, with the template's tables, for a function that needs DynamoDB; a cart to check out for checkout."""
    if name != "create_order":
        yield
        return
    import boto3
    from moto import mock_aws

    from devstack.template import create_table_requests, load_template
    from shop.catalog.models import ProductCreate
    from shop.catalog.service import create_product
    from shop.catalog.wiring import product_store
    from shop.commerce.carts import set_cart_line
    from shop.commerce.wiring import commerce_store

    with mock_aws():
        for request in create_table_requests(load_template()):
            boto3.client("dynamodb").create_table(**request)
        kettle = create_product(
            ProductCreate(name="Kettle", category="kitchen", price_cents=2500, stock=5), product_store()
        )
        set_cart_line(event["requestContext"]["authorizer"]["claims"]["sub"], kettle.id, 2, commerce_store())
        yield


def main(name: str) -> None:
    event = json.loads(sys.stdin.read())
    with _backend(name, event):
        app = importlib.import_module("app")  # after the seeding: only the invocation's own calls are traced
        response = app.lambda_handler(event, _Context())
    print(json.dumps(response))


if __name__ == "__main__":
    main(sys.argv[1])
