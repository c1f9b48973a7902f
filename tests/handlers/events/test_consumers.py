"""The consumers as deployed: each function's module, its idempotency or view records in moto's tables, and
fakes only where moto cannot stand in (SES templates, API Gateway's @connections)."""

import json

import boto3
import pytest

from devstack.issuer import CLIENT_ID, ISSUER
from shop.common.settings import token_settings
from shop.common.tokens import jwks_client
from shop.events import wiring
from tests.doubles.events import RecordingMailer, RecordingPusher
from tests.handlers.conftest import load_function
from tests.handlers.events.conftest import TOPIC, eventbridge_event
from tests.unit.events.records import ORDER_ID, PRODUCT_ID

LINES = [
    {"product_id": PRODUCT_ID, "name": "Kettle", "unit_price_cents": 2999, "quantity": 2, "line_total_cents": 5998}
]


def order_detail(status: str = "PLACED", user_id: str = "ada", event_id: str = "e-placed") -> dict:
    detail = {
        "version": 1,
        "event_id": event_id,
        "occurred_at": "2026-11-27T12:00:00Z",
        "order_id": ORDER_ID,
        "user_id": user_id,
        "status": status,
        "order_version": {"PLACED": 1, "SHIPPED": 2, "CANCELLED": 2, "DELIVERED": 3}[status],
        "items": LINES,
        "total_cents": 5998,
        "currency": "GBP",
        "created_at": "2026-11-27T12:00:00Z",
        "updated_at": "2026-11-27T12:00:00Z",
    }
    if status in ("SHIPPED", "DELIVERED"):
        detail["previous_status"] = "PLACED" if status == "SHIPPED" else "SHIPPED"
    return detail


def order_event(status: str = "PLACED", **fields) -> dict:
    detail_type = {"PLACED": "OrderPlaced", "CANCELLED": "OrderCancelled"}.get(status, "OrderStatusChanged")
    return eventbridge_event(order_detail(status, **fields), detail_type)


# Order e-mails.


@pytest.fixture
def mailer(events_env, monkeypatch) -> RecordingMailer:
    recording = RecordingMailer()
    monkeypatch.setattr(wiring, "mailer", lambda: recording)
    return recording


def test_given_an_order_placed_when_delivered_twice_then_one_e_mail_to_the_owner(mailer, context):
    function = load_function("customer_mail")
    first = function.lambda_handler(order_event(), context)
    second = function.lambda_handler(order_event(), context)
    assert first == second and first["sent"] is True
    [(to, template, data)] = mailer.sent
    assert (to, template, data["order_id"]) == ("ada@shop.test", "order-placed", ORDER_ID)


def test_given_shipped_and_cancelled_then_each_has_its_template(mailer, context):
    function = load_function("customer_mail")
    function.lambda_handler(order_event("SHIPPED", event_id="e-shipped"), context)
    function.lambda_handler(order_event("CANCELLED", event_id="e-cancelled"), context)
    assert [template for _, template, _ in mailer.sent] == ["order-status", "order-cancelled"]


def test_given_an_unknown_schema_version_then_the_invocation_fails_for_the_dead_letters(mailer, context):
    event = order_event()
    event["detail"]["version"] = 2
    from shop.events.errors import UnknownEvent

    with pytest.raises(UnknownEvent):
        load_function("customer_mail").lambda_handler(event, context)
    assert mailer.sent == []


# Live order status.


@pytest.fixture
def pusher(events_env, monkeypatch) -> RecordingPusher:
    recording = RecordingPusher()
    monkeypatch.setattr(wiring, "pusher", lambda: recording)
    return recording


def ws_event(route: str, connection_id: str, user_id: str | None) -> dict:
    context = {
        "routeKey": route,
        "connectionId": connection_id,
        "eventType": route.strip("$").upper(),
        "requestId": "r",
    }
    if user_id is not None:
        context["authorizer"] = {"principalId": user_id, "user_id": user_id}
    return {"requestContext": context, "isBase64Encoded": False}


def test_given_two_shoppers_connected_when_ones_order_changes_then_only_they_receive_it(pusher, context):
    connections = load_function("live_connections")
    for connection_id, user in (("c-ada", "ada"), ("c-bob", "bob")):
        assert connections.lambda_handler(ws_event("$connect", connection_id, user), context) == {"statusCode": 200}
    live = load_function("live_status")

    assert live.lambda_handler(order_event(), context)["pushed"] == 1
    assert list(pusher.received) == ["c-ada"]
    assert json.loads(pusher.received["c-ada"][0]) == {
        "order_id": ORDER_ID,
        "status": "PLACED",
        "updated_at": "2026-11-27T12:00:00Z",
    }


def test_given_redelivery_and_out_of_order_events_then_no_second_push_and_no_step_back(pusher, context):
    load_function("live_connections").lambda_handler(ws_event("$connect", "c-1", "ada"), context)
    live = load_function("live_status")
    live.lambda_handler(order_event(), context)
    assert live.lambda_handler(order_event(), context)["skipped"] is True
    live.lambda_handler(order_event("DELIVERED", event_id="e-delivered"), context)
    assert live.lambda_handler(order_event("SHIPPED", event_id="e-shipped"), context)["skipped"] is True
    assert [json.loads(m)["status"] for m in pusher.received["c-1"]] == ["PLACED", "DELIVERED"]


def test_given_a_stale_connection_then_the_first_failed_push_deletes_it(pusher, context, events_env):
    connections = load_function("live_connections")
    connections.lambda_handler(ws_event("$connect", "c-old", "ada"), context)
    connections.lambda_handler(ws_event("$connect", "c-new", "ada"), context)
    pusher.gone.add("c-old")
    report = load_function("live_status").lambda_handler(order_event(), context)
    assert (report["pushed"], report["gone"]) == (1, 1)
    assert wiring.connections().of_user("ada") == ["c-new"]


def test_given_disconnect_then_the_connection_is_forgotten_and_a_connect_without_a_user_is_refused(events_env, context):
    connections = load_function("live_connections")
    connections.lambda_handler(ws_event("$connect", "c-1", "ada"), context)
    connections.lambda_handler(ws_event("$disconnect", "c-1", "ada"), context)
    assert wiring.connections().of_user("ada") == []
    assert connections.lambda_handler(ws_event("$connect", "c-2", None), context) == {"statusCode": 403}
    assert connections.lambda_handler(ws_event("$default", "c-1", "ada"), context)["statusCode"] == 400
    assert wiring.connections().of_user("ada") == []


# The WebSocket authorizer.


@pytest.fixture
def live_authorizer(jwks_url, monkeypatch):
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", CLIENT_ID)
    monkeypatch.setenv("JWKS_URL", jwks_url)
    token_settings.cache_clear()
    jwks_client.cache_clear()
    yield load_function("live_authorizer")
    token_settings.cache_clear()
    jwks_client.cache_clear()


def connect_request(token: str | None) -> dict:
    return {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/live/$connect",
        "headers": {},
        "queryStringParameters": {"token": token} if token is not None else {},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c-1"},
    }


def test_given_a_valid_token_when_connecting_then_allowed_with_the_user_in_the_context(
    live_authorizer, dev_issuer, context
):
    policy = live_authorizer.lambda_handler(connect_request(dev_issuer.mint("ada", ["customer"])), context)
    assert policy["principalId"] == "ada" and policy["context"] == {"user_id": "ada"}
    [statement] = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/live/*"
    ]


@pytest.mark.parametrize("kind", ["expired", "missing", "garbage"])
def test_given_an_expired_missing_or_malformed_token_then_unauthorized(live_authorizer, dev_issuer, context, kind):
    token = {"expired": dev_issuer.mint("ada", [], ttl_seconds=-120), "missing": None, "garbage": "not.a.jwt"}[kind]
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        live_authorizer.lambda_handler(connect_request(token), context)


# Low-stock alerts.


def stock_event(event_id: str = "e-low") -> dict:
    detail = {
        "version": 1,
        "event_id": event_id,
        "occurred_at": "2026-11-27T12:00:00Z",
        "product_id": PRODUCT_ID,
        "name": "Kettle",
        "stock": 5,
        "previous_stock": 8,
        "product_version": 4,
        "threshold": 5,
    }
    return eventbridge_event(detail, "ProductStockLow", source="shop.catalog")


def test_given_a_low_stock_event_delivered_twice_then_one_alert_on_the_topic(events_env, context):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    url = sqs.create_queue(QueueName="admins")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    function = load_function("stock_alerts")

    function.lambda_handler(stock_event(), context)
    function.lambda_handler(stock_event(), context)

    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    alert = json.loads(messages[0]["Body"])
    assert alert["Subject"] == "Low stock (5 left): Kettle" and json.loads(alert["Message"])["product_id"] == PRODUCT_ID
