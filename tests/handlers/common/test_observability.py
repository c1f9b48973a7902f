"""Every function logs, traces and publishes metrics: Powertools' three decorators on each handler, the cold-start
metric, and the API request's id as the correlation id of its log lines."""

import uuid
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.metrics.provider import cold_start

import shop.common.observability
from devstack.issuer import CLIENT_ID, ISSUER
from shop.common import clients
from shop.common.settings import opensearch_settings, token_settings
from shop.common.tokens import jwks_client
from shop.events import wiring as events_wiring
from shop.search import wiring
from tests.doubles.events import RecordingMailer, RecordingPusher
from tests.handlers.conftest import LambdaContext, assert_problem, event, load_function
from tests.handlers.events.conftest import TOPIC, clear_event_caches, configure_event_functions

# The order events' publisher and consumers, and the WebSocket API's functions: none is behind the REST API.
EVENT_FUNCTIONS = {
    "publish_events",
    "customer_mail",
    "live_status",
    "stock_alerts",
    "live_connections",
    "live_authorizer",
}

FUNCTIONS = sorted(path.parent.name for path in Path(__file__).parents[3].glob("functions/*/app.py"))
NOT_API = {"index_products", "search_admin"} | EVENT_FUNCTIONS
API_FUNCTIONS = [name for name in FUNCTIONS if name not in NOT_API]


def _clear() -> None:
    for cached in (
        token_settings,
        jwks_client,
        opensearch_settings,
        clients.opensearch_client,
        wiring.search_engine,
        wiring.search_index,
    ):
        cached.cache_clear()


@pytest.fixture
def configured(table, jwks_url, monkeypatch):
    """Every function's configuration (the user pool for the WebSocket API's $connect authorizer, the one function
    that verifies tokens itself); OpenSearch unreachable, so search answers 503 and indexing reports failures."""
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", CLIENT_ID)
    monkeypatch.setenv("JWKS_URL", jwks_url)
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    _clear()
    # The event functions' bus and topic in moto; SES templates and @connections, which moto lacks, as fakes.
    configure_event_functions(monkeypatch)
    boto3.client("sns").create_topic(Name=TOPIC)
    monkeypatch.setattr(events_wiring, "mailer", RecordingMailer)
    monkeypatch.setattr(events_wiring, "pusher", RecordingPusher)
    yield
    _clear()
    clear_event_caches()


def an_event(name: str, dev_issuer) -> dict:
    if name == "live_authorizer":
        return {**event(name), "queryStringParameters": {"token": dev_issuer.mint("alice", ["customer"])}}
    if name == "search_admin":
        # An operator's request that fails fast (no domain here) and is answered, not raised.
        return event("search_admin_check")
    return event(name)


def wrappers(handler) -> list[str]:
    """The qualified names of the decorators' wrappers around a handler, outermost first."""
    names = []
    while hasattr(handler, "__wrapped__"):
        names.append(handler.__code__.co_qualname)
        handler = handler.__wrapped__
    return names


def test_given_functions_then_all_twenty_four_are_covered():
    assert len(FUNCTIONS) == 24 and len(API_FUNCTIONS) == 16


@pytest.mark.parametrize("name", FUNCTIONS)
def test_given_function_then_its_handler_logs_traces_and_publishes_metrics(configured, name):
    names = wrappers(load_function(name).lambda_handler)
    # Logger outermost: whatever the other two log already carries the invocation's keys.
    assert "inject_lambda_context" in names[0], names
    assert any("Tracer.capture_lambda_handler" in wrapper for wrapper in names), names
    assert any("log_metrics" in wrapper for wrapper in names), names


@pytest.mark.parametrize("name", FUNCTIONS)
def test_given_new_environment_when_first_invoked_then_cold_start_published_once_for_the_function(
    configured, dev_issuer, published, name
):
    function = load_function(name)
    context = replace(LambdaContext(), function_name=f"shop-{name}")
    cold_start.reset_cold_start_flag()
    published()
    function.lambda_handler(an_event(name, dev_issuer), context)
    function.lambda_handler(an_event(name, dev_issuer), context)
    [metric] = [metric for metric in published() if metric.name == "ColdStart"]
    assert (metric.value, metric.unit, metric.namespace) == (1, "Count", "ShopTests")
    assert metric.dimensions == {"function_name": f"shop-{name}", "service": "shop-tests"}


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_given_api_request_when_handled_then_its_request_id_is_the_correlation_id(configured, name, context):
    request_id = str(uuid.uuid4())
    request = event(name)
    request["requestContext"]["requestId"] = request_id
    load_function(name).lambda_handler(request, context)
    assert shop.common.observability.logger.get_correlation_id() == request_id


def test_given_unexpected_error_when_handled_then_its_log_line_carries_the_request_id(
    configured, context, logged, monkeypatch
):
    function = load_function("get_product")

    def broken(product_id, store):
        raise RuntimeError("the table is on fire")

    monkeypatch.setattr(function, "get_product", broken)
    request = event("get_product")
    request["requestContext"]["requestId"] = request_id = str(uuid.uuid4())
    assert_problem(function.lambda_handler(request, context), 500, "internal")
    [line] = [line for line in logged() if line["message"] == "unhandled error"]
    assert line["correlation_id"] == request_id
    assert line["function_request_id"] == context.aws_request_id and line["service"] == "shop-tests"
    assert line["level"] == "ERROR" and "the table is on fire" in line["exception"]
