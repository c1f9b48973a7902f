"""Errors of the events context."""


class NotADomainRecord(Exception):
    """A stream record that no retry can turn into an event (malformed image, foreign key): a poison record."""


class EventNotPublished(Exception):
    """EventBridge refused the record's event on every attempt; the stream delivers the record again."""


class UnknownEvent(Exception):
    """An event whose detail-type or detail this consumer cannot read (an unknown type, or a schema version it
    does not know): retrying cannot help, so it goes to the rule's dead letters by way of the function's errors."""


class RecipientUnknown(Exception):
    """The order's owner has no e-mail address in the user directory (deleted since, or never verified)."""


class ConnectionGone(Exception):
    """The WebSocket connection no longer exists (API Gateway's 410 GoneException)."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id} is gone")
        self.connection_id = connection_id
