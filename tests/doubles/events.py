"""In-memory stand-ins for the events context's ports."""

from collections.abc import Mapping, Sequence
from typing import Any

from shop.events.errors import ConnectionGone
from shop.events.models import EventDetail
from shop.events.ports import Published


class RecordingBus:
    """A bus that records each put call, and refuses an event `refusals[event_id]` times before accepting it."""

    def __init__(self, refusals: Mapping[str, int] | None = None) -> None:
        self.refusals = dict(refusals or {})
        self.calls: list[list[EventDetail]] = []
        self.accepted: list[EventDetail] = []

    def put(self, events: Sequence[EventDetail]) -> list[Published]:
        assert len(events) <= 10, "EventBridge takes at most 10 entries a call"
        call = list(events)
        self.calls.append(call)
        outcomes = []
        for event in call:
            left = self.refusals.get(event.event_id, 0)
            if left:
                self.refusals[event.event_id] = left - 1
            outcomes.append(not left)
            if not left:
                self.accepted.append(event)
        return [Published(True) if ok else Published(False, "ThrottlingException: Rate exceeded") for ok in outcomes]


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def send_template(self, to: str, template: str, data: Mapping[str, Any]) -> str:
        self.sent.append((to, template, dict(data)))
        return f"message-{len(self.sent)}"


class StaticDirectory:
    def __init__(self, addresses: Mapping[str, str]) -> None:
        self.addresses = dict(addresses)

    def email_of(self, user_id: str) -> str | None:
        return self.addresses.get(user_id)


class MemoryConnections:
    def __init__(self) -> None:
        self.by_user: dict[str, set[str]] = {}
        self.views: dict[str, int] = {}

    def add(self, user_id: str, connection_id: str) -> None:
        self.by_user.setdefault(user_id, set()).add(connection_id)

    def remove(self, user_id: str, connection_id: str) -> None:
        self.by_user.get(user_id, set()).discard(connection_id)

    def of_user(self, user_id: str) -> list[str]:
        return sorted(self.by_user.get(user_id, set()))

    def advance_view(self, order_id: str, order_version: int, event_id: str) -> bool:
        if self.views.get(order_id, 0) >= order_version:
            return False
        self.views[order_id] = order_version
        return True


class RecordingPusher:
    """Records what each connection received; connections in `gone` answer as API Gateway's 410 does."""

    def __init__(self, gone: set[str] | None = None) -> None:
        self.gone = set(gone or ())
        self.received: dict[str, list[bytes]] = {}

    def push(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.received.setdefault(connection_id, []).append(data)


class RecordingAlerts:
    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = []

    def publish(self, subject: str, message: str) -> None:
        self.published.append((subject, message))
