"""The publisher function on moto's table stream and bus: commerce's real writes in, domain events out."""

import json
import uuid

import jsonschema
import pytest

from scripts.event_schemas import SCHEMAS
from shop.catalog import service as catalog
from shop.catalog.models import ProductCreate
from shop.catalog.wiring import product_store
from shop.commerce import carts, checkout, orders
from shop.commerce.errors import OutOfStock
from shop.commerce.models import CheckoutRequest, ShippingAddress
from shop.commerce.wiring import commerce_store
from tests.handlers.conftest import load_function
from tests.handlers.events.conftest import stream_records

ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB")


def place(user: str, product_id: str, quantity: int):
    carts.set_cart_line(user, product_id, quantity, commerce_store())
    request = CheckoutRequest(user_id=user, idempotency_key=str(uuid.uuid4()), shipping_address=ADDRESS)
    return checkout.place_order(request, commerce_store())


@pytest.fixture
def publisher(bus_events):
    return load_function("publish_events")


def test_given_committed_writes_when_published_then_one_event_each_and_none_for_a_cancelled_checkout(
    publisher, bus_events, table, context
):
    product = catalog.create_product(
        ProductCreate(name="Kettle", category="kitchen", price_cents=2999, currency="GBP", stock=8), product_store()
    )
    order = place("ada", product.id, 3)  # stock 8 -> 5: the threshold
    orders.update_order_status(order.id, "SHIPPED", commerce_store())
    with pytest.raises(OutOfStock):
        place("bob", product.id, 9)  # a transaction DynamoDB cancels: no record, so no event
    records = stream_records(table)

    response = publisher.lambda_handler({"Records": records}, context)

    assert response == {"batchItemFailures": []}
    events = bus_events()
    assert sorted(event["detail-type"] for event in events) == ["OrderPlaced", "OrderStatusChanged", "ProductStockLow"]
    placed = next(event for event in events if event["detail-type"] == "OrderPlaced")
    assert placed["source"] == "shop.commerce"
    assert placed["detail"]["order_id"] == order.id and placed["detail"]["user_id"] == "ada"
    assert "shipping_address" not in placed["detail"]
    for event in events:  # as EventBridge delivered them, each valid against its committed schema
        schema = json.loads((SCHEMAS / f"{event['detail-type']}.json").read_text())
        jsonschema.validate(event["detail"], schema)
    low = next(event for event in events if event["detail-type"] == "ProductStockLow")
    assert (low["detail"]["stock"], low["detail"]["threshold"]) == (5, 5)

    # The same batch again (the stream retrying it): the same events, with the same ids, for consumers to drop.
    publisher.lambda_handler({"Records": records}, context)
    again = bus_events()
    assert sorted(e["detail"]["event_id"] for e in again) == sorted(e["detail"]["event_id"] for e in events)


def test_given_a_poison_record_then_it_is_reported_and_the_rest_published(publisher, bus_events, table, context):
    product = catalog.create_product(
        ProductCreate(name="Kettle", category="kitchen", price_cents=2999, currency="GBP", stock=8), product_store()
    )
    place("ada", product.id, 1)
    records = [r for r in stream_records(table) if r["dynamodb"]["Keys"]["sk"]["S"] == "ORDER"]
    poison = {**records[0], "eventID": "poison", "dynamodb": {**records[0]["dynamodb"], "SequenceNumber": "1"}}
    poison["dynamodb"]["NewImage"] = {**poison["dynamodb"]["NewImage"], "items": {"S": "not lines"}}

    response = publisher.lambda_handler({"Records": [poison, *records]}, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert [event["detail-type"] for event in bus_events()] == ["OrderPlaced"]


def test_given_the_bus_is_missing_then_every_record_is_reported_not_raised(events_env, table, context, monkeypatch):
    monkeypatch.setenv("PUT_EVENTS_ATTEMPTS", "1")
    publisher = load_function("publish_events")  # no bus created: EventBridge refuses every entry
    product = catalog.create_product(
        ProductCreate(name="Kettle", category="kitchen", price_cents=2999, currency="GBP", stock=8), product_store()
    )
    place("ada", product.id, 1)
    records = [r for r in stream_records(table) if r["dynamodb"]["Keys"]["sk"]["S"] == "ORDER"]
    response = publisher.lambda_handler({"Records": records}, context)
    assert response == {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]}


def test_given_no_bus_name_then_the_cold_start_fails(table, monkeypatch):
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    from tests.handlers.events.conftest import clear_event_caches

    clear_event_caches()
    with pytest.raises(ValueError, match="EVENT_BUS_NAME"):
        load_function("publish_events")


def test_given_the_same_stream_batch_delivered_twice_then_consumers_send_one_e_mail_and_one_push_per_event(
    publisher, bus_events, table, context, monkeypatch
):
    from shop.events import wiring
    from tests.doubles.events import RecordingMailer, RecordingPusher

    mailer, pusher = RecordingMailer(), RecordingPusher()
    monkeypatch.setattr(wiring, "mailer", lambda: mailer)
    monkeypatch.setattr(wiring, "pusher", lambda: pusher)
    product = catalog.create_product(
        ProductCreate(name="Kettle", category="kitchen", price_cents=2999, currency="GBP", stock=50), product_store()
    )
    order = place("ada", product.id, 1)
    orders.update_order_status(order.id, "SHIPPED", commerce_store())
    records = stream_records(table)
    publisher.lambda_handler({"Records": records}, context)
    publisher.lambda_handler({"Records": records}, context)  # the stream delivering the batch again
    # In commit order, each event twice: what EventBridge may deliver after the stream's retry.
    delivered = sorted(
        (event for event in bus_events() if event["source"] == "shop.commerce"),
        key=lambda event: event["detail"]["order_version"],
    )
    assert len(delivered) == 4  # two events, each on the bus twice

    load_function("live_connections").lambda_handler(
        {"requestContext": {"routeKey": "$connect", "connectionId": "c-1", "authorizer": {"user_id": "ada"}}}, context
    )
    mail, live = load_function("customer_mail"), load_function("live_status")
    for event in delivered:
        mail.lambda_handler(event, context)
        live.lambda_handler(event, context)

    assert sorted(data["status"] for _, _, data in mailer.sent) == ["placed", "shipped"]
    assert [json.loads(message)["status"] for message in pusher.received["c-1"]] == ["PLACED", "SHIPPED"]
