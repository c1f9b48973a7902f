"""The consumers' rules on fakes: one e-mail and one push per event, views never moved backwards, only the owner."""

import json
from datetime import UTC, datetime

import pytest

from shop.events.errors import RecipientUnknown, UnknownEvent
from shop.events.models import OrderPlaced, OrderStatusChanged, ProductStockLow
from shop.events.service import MailTemplates, detail_of, push_live_status, send_order_mail, stock_alert
from tests.doubles.events import MemoryConnections, RecordingMailer, RecordingPusher, StaticDirectory
from tests.unit.events.records import ORDER_ID, PRODUCT_ID

TEMPLATES = MailTemplates(placed="placed", status_changed="status", cancelled="cancelled")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LINES = [
    {"product_id": PRODUCT_ID, "name": "Kettle", "unit_price_cents": 2999, "quantity": 2, "line_total_cents": 5998}
]


def order_event(status: str = "PLACED", user_id: str = "ada", event_id: str = "e-1"):
    common = {
        "event_id": event_id,
        "occurred_at": NOW,
        "order_id": ORDER_ID,
        "user_id": user_id,
        "status": status,
        "order_version": {"PLACED": 1, "SHIPPED": 2, "DELIVERED": 3}[status],
        "items": LINES,
        "total_cents": 5998,
        "currency": "GBP",
        "created_at": NOW,
        "updated_at": NOW,
    }
    if status == "PLACED":
        return OrderPlaced.model_validate(common)
    return OrderStatusChanged.model_validate({**common, "previous_status": "PLACED"})


def test_given_an_order_event_then_its_owner_is_mailed_with_the_events_template():
    mailer = RecordingMailer()
    send_order_mail(order_event("SHIPPED"), StaticDirectory({"ada": "ada@example.com"}), mailer, TEMPLATES)
    [(to, template, data)] = mailer.sent
    assert (to, template) == ("ada@example.com", "status")
    assert data["status"] == "shipped" and data["total"] == "59.98 GBP" and data["items"][0]["quantity"] == 2


def test_given_an_owner_without_an_address_then_recipient_unknown():
    with pytest.raises(RecipientUnknown):
        send_order_mail(order_event(), StaticDirectory({}), RecordingMailer(), TEMPLATES)


def test_given_two_shoppers_connected_when_one_order_changes_then_only_its_owner_receives_it():
    connections, pusher = MemoryConnections(), RecordingPusher()
    connections.add("ada", "c-ada-1")
    connections.add("ada", "c-ada-2")
    connections.add("bob", "c-bob")
    report = push_live_status(order_event(), connections, pusher)
    assert report.pushed == 2 and set(pusher.received) == {"c-ada-1", "c-ada-2"}
    message = json.loads(pusher.received["c-ada-1"][0])
    assert message == {"order_id": ORDER_ID, "status": "PLACED", "updated_at": "2026-11-27T12:00:00Z"}


def test_given_the_same_event_redelivered_then_no_second_push():
    connections, pusher = MemoryConnections(), RecordingPusher()
    connections.add("ada", "c-1")
    push_live_status(order_event(), connections, pusher)
    again = push_live_status(order_event(), connections, pusher)
    assert again.skipped and len(pusher.received["c-1"]) == 1


def test_given_delivered_before_shipped_then_the_view_never_goes_back_to_shipped():
    connections, pusher = MemoryConnections(), RecordingPusher()
    connections.add("ada", "c-1")
    push_live_status(order_event("DELIVERED", event_id="e-3"), connections, pusher)
    late = push_live_status(order_event("SHIPPED", event_id="e-2"), connections, pusher)
    assert late.skipped
    assert [json.loads(m)["status"] for m in pusher.received["c-1"]] == ["DELIVERED"]


def test_given_a_stale_connection_then_it_is_removed_on_the_first_failed_push():
    connections, pusher = MemoryConnections(), RecordingPusher(gone={"c-old"})
    connections.add("ada", "c-old")
    connections.add("ada", "c-new")
    report = push_live_status(order_event(), connections, pusher)
    assert report.gone == ["c-old"] and report.pushed == 1
    assert connections.of_user("ada") == ["c-new"]


def test_given_an_unknown_type_or_version_then_unknown_event():
    detail = json.loads(order_event().model_dump_json())
    with pytest.raises(UnknownEvent):
        detail_of({"source": "shop.commerce", "detail-type": "OrderLost", "detail": detail})
    with pytest.raises(UnknownEvent):
        detail_of({"source": "shop.commerce", "detail-type": "OrderPlaced", "detail": {**detail, "version": 2}})
    with pytest.raises(UnknownEvent):
        detail_of({"source": "elsewhere", "detail-type": "OrderPlaced", "detail": detail})
    with pytest.raises(UnknownEvent):
        detail_of({"source": "shop.commerce", "detail-type": "OrderPlaced", "detail": {**detail, "status": "LOST"}})
    assert detail_of({"source": "shop.commerce", "detail-type": "OrderPlaced", "detail": detail}) == order_event()


def test_given_a_low_stock_event_then_the_alert_names_the_product_and_fits_snss_subject_limit():
    event = ProductStockLow(
        event_id="e", occurred_at=NOW, product_id=PRODUCT_ID, name="K" * 200, stock=5, previous_stock=6,
        product_version=3, threshold=5,
    )  # fmt: skip
    subject, message = stock_alert(event)
    assert subject.startswith("Low stock (5 left)") and len(subject) == 100
    assert json.loads(message)["product_id"] == PRODUCT_ID


def test_given_the_connections_cannot_be_read_when_the_event_is_retried_then_it_is_pushed():
    class FlakyConnections(MemoryConnections):
        failures = 1

        def of_user(self, user_id: str) -> list[str]:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("table unavailable")
            return super().of_user(user_id)

    connections, pusher = FlakyConnections(), RecordingPusher()
    connections.add("ada", "c-1")
    with pytest.raises(ConnectionError):
        push_live_status(order_event(), connections, pusher)
    assert push_live_status(order_event(), connections, pusher).pushed == 1
