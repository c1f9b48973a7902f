"""The shop's bus: domain events as EventBridge entries."""

from collections.abc import Sequence
from typing import Any

from shop.common.clients import aws_client
from shop.events.models import EventDetail
from shop.events.ports import Published


def events_client() -> Any:
    # The publisher retries refused entries itself; throttled calls are retried by botocore as well.
    return aws_client("events", retries=3)


def entry_of(event: EventDetail, bus_name: str) -> dict[str, Any]:
    return {
        "EventBusName": bus_name,
        "Source": event.source,
        "DetailType": event.detail_type,
        "Detail": event.model_dump_json(),
        "Time": event.occurred_at,
    }


class EventBridgeBus:
    def __init__(self, bus_name: str) -> None:
        self.bus_name = bus_name

    def put(self, events: Sequence[EventDetail]) -> list[Published]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = events_client().put_events(Entries=[entry_of(event, self.bus_name) for event in events])
        except (BotoCoreError, ClientError) as error:
            # The whole call failed (throttled past botocore's retries, the bus unreachable or missing): every
            # entry is refused, and the publisher retries or reports them as it does refused entries.
            code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else "Unreachable"
            return [Published(ok=False, error=f"{code}: {error}") for _ in events]
        return [
            Published(ok=True) if "EventId" in entry and "ErrorCode" not in entry
            else Published(ok=False, error=f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage', '')}".strip())
            for entry in response["Entries"]
        ]  # fmt: skip
