"""Handler tests: each function's real module, driven by the JSON events in events/, against moto."""

import copy
import importlib.util
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

# Imported now, not by the first function a test loads: Powertools' Logger keeps the stdout it finds when it
# is created, which must be pytest's own and not the capsys of whichever test happens to come first.
import shop.common.observability
from devstack.issuer import CLIENT_ID, ISSUER
from devstack.template import create_table_requests, load_template
from devstack.userpool import gateway_claims
from shop.catalog.wiring import product_store
from shop.commerce.wiring import commerce_store
from shop.common.clients import aws_client
from shop.common.settings import cursor_settings, idempotency_settings, table_settings, token_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE_NAME = "ShopTable"
IDEMPOTENCY_TABLE_NAME = "IdempotencyTable"


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "8f1d0a5e-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


def _clear_caches() -> None:
    """Each test's functions start cold: settings, clients and the stores composed from them made afresh."""
    for cached in (
        aws_client,
        table_settings,
        cursor_settings,
        token_settings,
        idempotency_settings,
        product_store,
        commerce_store,
    ):
        cached.cache_clear()


@pytest.fixture
def table(monkeypatch) -> Iterator[str]:
    """The template's own table, in moto; functions see it through TABLE_NAME as in AWS."""
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE_NAME)
    monkeypatch.setenv("CURSOR_SIGNING_KEY", "handler-tests-cursor-signing-key-0123")
    _clear_caches()
    with mock_aws():
        client = boto3.client("dynamodb")
        for request in create_table_requests(load_template()):
            client.create_table(**request)
        yield TABLE_NAME
    _clear_caches()


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py afresh (a cold start) under a name of its own."""
    module_name = f"function_{name}"
    sys.modules.pop(module_name, None)
    spec = importlib.util.spec_from_file_location(module_name, REPO_ROOT / "functions" / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def event(name: str, **overrides: Any) -> dict[str, Any]:
    """events/<name>.json with top-level keys replaced; `body` may be given as a dict."""
    loaded = json.loads((REPO_ROOT / "events" / f"{name}.json").read_text())
    result = copy.deepcopy(loaded)
    for key, value in overrides.items():
        result[key] = json.dumps(value) if key == "body" and not isinstance(value, str | None) else value
    return result


def with_product(template: dict[str, Any], product_id: str) -> dict[str, Any]:
    """A product route's event retargeted at product_id."""
    return {
        **template,
        "pathParameters": {"product_id": product_id},
        "path": f"/products/{product_id}",
    }


def with_query(template: dict[str, Any], query: dict[str, str] | None) -> dict[str, Any]:
    """The event with this query string (API Gateway fills both forms)."""
    return {
        **template,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
    }


def as_user(template: dict[str, Any], groups: list[str] | None, user_id: str = "user-1") -> dict[str, Any]:
    """The event as the user-pool authorizer would pass it for this caller (the ID token's claims, as text);
    groups=None means no authorizer context."""
    result = copy.deepcopy(template)
    if groups is None:
        result["requestContext"].pop("authorizer", None)
    else:
        claims = {"sub": user_id, "cognito:groups": groups, "aud": CLIENT_ID, "iss": ISSUER, "token_use": "id"}
        result["requestContext"]["authorizer"] = {"claims": gateway_claims(claims)}
    return result


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def header(response: dict[str, Any], name: str) -> str | None:
    values = response.get("multiValueHeaders", {}).get(name) or []
    return values[0] if values else (response.get("headers") or {}).get(name)


def assert_problem(response: dict[str, Any], status: int, slug: str | None = None) -> Any:
    """An RFC 9457 problem with this status (and type, given its slug), and nothing of the server's internals."""
    assert response["statusCode"] == status, response
    assert header(response, "Content-Type") == "application/problem+json"
    problem = body_of(response)
    assert problem["status"] == status and problem["title"] and problem["type"]
    if slug is not None:
        assert problem["type"] == f"urn:shop:problem:{slug}", problem
    assert "Traceback" not in response["body"]
    return problem


def pytest_configure(config):
    # As in Lambda (shop.common.observability filters it there): reads publish no business metric, by design.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    value: float
    dimensions: dict[str, str]
    namespace: str


def metrics_in(stdout: str) -> list[Metric]:
    """Every metric value of the EMF documents (one JSON line each) among these lines."""
    found = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: document[name] for names in directive["Dimensions"] for name in names}
            for definition in directive["Metrics"]:
                values = document[definition["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    found.append(
                        Metric(definition["Name"], definition["Unit"], value, dimensions, directive["Namespace"])
                    )
    return found


@pytest.fixture
def published(capsys) -> Callable[[], list[Metric]]:
    """The metrics the functions published since the last call: Powertools prints each EMF document to stdout
    when the handler returns (or at once, for a metric with dimensions of its own)."""

    def read() -> list[Metric]:
        return metrics_in(capsys.readouterr().out)

    return read


def values(metrics: list[Metric], name: str, **dimensions: str) -> list[float]:
    """The values published under this name (and with these dimensions), in order."""
    return [
        metric.value
        for metric in metrics
        if metric.name == name and all(metric.dimensions.get(key) == value for key, value in dimensions.items())
    ]


@pytest.fixture
def logged() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The functions' log records, as the JSON Powertools writes in Lambda. Its Logger writes to the stream it
    found at its creation; a handler of our own, with the same formatter, sees every record."""
    logger = shop.common.observability.logger
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    stdlib_logger = logging.getLogger(logger.name)
    stdlib_logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        stdlib_logger.removeHandler(handler)
