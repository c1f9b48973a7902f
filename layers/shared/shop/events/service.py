"""What each consumer of the bus does, on ports: the handlers only parse the EventBridge event and wire adapters.

At least once in, exactly once out: EventBridge and the stream both deliver an event again now and then, so each
consumer acts once per event id (the e-mail and the alert through idempotency records kept by the handler, the
live status through the order's view version kept with the connections).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shop.events.errors import ConnectionGone, RecipientUnknown, UnknownEvent
from shop.events.models import (
    EVENT_TYPE_BY_NAME,
    SCHEMA_VERSION,
    EventDetail,
    LiveStatus,
    OrderCancelled,
    OrderDetail,
    OrderPlaced,
    ProductOutOfStock,
    ProductStockLow,
)
from shop.events.ports import Alerts, Connections, Mailer, Pusher, UserDirectory


def detail_of(event: Mapping[str, Any]) -> EventDetail:
    """The domain event an EventBridge event carries; UnknownEvent for a type or schema version not known here."""
    detail_type = event.get("detail-type")
    model = EVENT_TYPE_BY_NAME.get(str(detail_type))
    detail = event.get("detail")
    if model is None or not isinstance(detail, Mapping) or event.get("source") != model.source:
        raise UnknownEvent(f"not a shop event: source {event.get('source')!r}, detail-type {detail_type!r}")
    if detail.get("version") != SCHEMA_VERSION:
        raise UnknownEvent(f"{detail_type} version {detail.get('version')!r} is not known here")
    try:
        return model.model_validate(detail)
    except ValueError as error:  # pydantic's ValidationError
        raise UnknownEvent(f"{detail_type} does not match its schema: {error}") from error


# Order e-mails.


@dataclass(frozen=True)
class MailTemplates:
    """The stored SES templates, by the event that sends them."""

    placed: str
    status_changed: str
    cancelled: str

    def for_event(self, event: OrderDetail) -> str:
        if isinstance(event, OrderPlaced):
            return self.placed
        if isinstance(event, OrderCancelled):
            return self.cancelled
        return self.status_changed


def _money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency}"


def mail_data(event: OrderDetail) -> dict[str, Any]:
    """The template data of an order's e-mail: every value the templates use, formatted for people."""
    return {
        "order_id": event.order_id,
        "status": event.status.lower(),
        "placed_on": event.created_at.strftime("%d %B %Y"),
        "items": [
            {
                "name": line.name,
                "quantity": line.quantity,
                "line_total": _money(line.line_total_cents, event.currency),
            }
            for line in event.items
        ],
        "total": _money(event.total_cents, event.currency),
    }


def send_order_mail(event: OrderDetail, directory: UserDirectory, mailer: Mailer, templates: MailTemplates) -> str:
    """Mail the order's owner about the event; the message id. RecipientUnknown when they have no address."""
    address = directory.email_of(event.user_id)
    if not address:
        raise RecipientUnknown(f"no e-mail address for the owner of order {event.order_id}")
    return mailer.send_template(address, templates.for_event(event), mail_data(event))


# Live order status.


@dataclass
class PushReport:
    pushed: int = 0
    gone: list[str] = field(default_factory=list)
    # The event was a redelivery or older than what the views already show: nothing was sent.
    skipped: bool = False


def live_status_of(event: OrderDetail) -> LiveStatus:
    return LiveStatus(order_id=event.order_id, status=event.status, updated_at=event.updated_at)


def push_live_status(event: OrderDetail, connections: Connections, pusher: Pusher) -> PushReport:
    """Send the order's new status to every open connection of its owner (and no one else's), once per order
    version: a redelivered event, or one that arrives after a later one, sends nothing. Connections that are gone
    are forgotten on the first failed push."""
    # The owner's connections are read before the view is advanced: a failed read is retried whole, while a
    # view advanced for nothing would make the retry skip.
    targets = connections.of_user(event.user_id)
    if not connections.advance_view(event.order_id, event.order_version, event.event_id):
        return PushReport(skipped=True)
    message = live_status_of(event).model_dump_json().encode()
    report = PushReport()
    for connection_id in targets:
        try:
            pusher.push(connection_id, message)
        except ConnectionGone:
            connections.remove(event.user_id, connection_id)
            report.gone.append(connection_id)
        else:
            report.pushed += 1
    return report


# Low-stock alerts.


def stock_alert(event: ProductStockLow | ProductOutOfStock) -> tuple[str, str]:
    """The alert's subject (at most 100 characters, SNS's limit) and its message."""
    if isinstance(event, ProductOutOfStock):
        headline = f"Out of stock: {event.name}"
    else:
        headline = f"Low stock ({event.stock} left): {event.name}"
    message = json.dumps(
        {
            "alert": event.detail_type,
            "product_id": event.product_id,
            "name": event.name,
            "stock": event.stock,
            "previous_stock": event.previous_stock,
            "threshold": getattr(event, "threshold", None),
            "occurred_at": event.occurred_at.isoformat(),
            "event_id": event.event_id,
        },
        indent=2,
    )
    return headline[:100], message


def send_stock_alert(event: ProductStockLow | ProductOutOfStock, alerts: Alerts) -> None:
    subject, message = stock_alert(event)
    alerts.publish(subject, message)
