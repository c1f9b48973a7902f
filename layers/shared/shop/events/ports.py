"""What the events context's services need, in its own types."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shop.events.models import EventDetail


@dataclass(frozen=True)
class Published:
    """One entry's outcome in a put to the bus: ok, or EventBridge's error code and message."""

    ok: bool
    error: str = ""


class EventBus(Protocol):
    def put(self, events: Sequence[EventDetail]) -> list[Published]:
        """Put at most 10 events in one call; one outcome per event, in order."""
        ...


class Mailer(Protocol):
    def send_template(self, to: str, template: str, data: Mapping[str, Any]) -> str:
        """Send the stored template rendered with `data` to `to`; the provider's message id."""
        ...


class UserDirectory(Protocol):
    def email_of(self, user_id: str) -> str | None:
        """The user's e-mail address, or None when the directory has none for them."""
        ...


class Connections(Protocol):
    def add(self, user_id: str, connection_id: str) -> None: ...
    def remove(self, user_id: str, connection_id: str) -> None: ...
    def of_user(self, user_id: str) -> list[str]:
        """The ids of the user's open connections."""
        ...

    def advance_view(self, order_id: str, order_version: int, event_id: str) -> bool:
        """Record that shoppers' views of the order are at `order_version`; False (and nothing recorded) when
        they already are at it or past it: the event is a redelivery, or arrived after a later one."""
        ...


class Pusher(Protocol):
    def push(self, connection_id: str, data: bytes) -> None:
        """Send `data` to the connection; ConnectionGone when it no longer exists."""
        ...


class Alerts(Protocol):
    def publish(self, subject: str, message: str) -> None: ...
