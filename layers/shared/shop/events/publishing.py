"""The publisher's batch: every record of the table's stream that is a domain event goes onto the bus.

`PublishProcessor` is Powertools' partial batch processing with the puts in the middle: the record handler says
which event a record is (or none), then the events go to EventBridge in calls of at most 10 (its limit), and the
entries EventBridge refused are put again, up to `attempts` calls in all. A record whose event was still refused,
and a poison record (an image that is not what its key says), are reported as `batchItemFailures`: the stream
delivers the batch again from the first of them, and what it gives up on goes to the on-failure queue. Events
already put are put again by such a retry: consumers deduplicate on the event's id, which is the same each time.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from shop.common.stream_batch import StreamEvent, WholeBatchProcessor
from shop.events.errors import EventNotPublished, NotADomainRecord
from shop.events.models import DomainEvent, EventDetail
from shop.events.ports import EventBus
from shop.events.stream import event_of

PUT_EVENTS_LIMIT = 10
RecordHandler = Callable[[DynamoDBRecord], DomainEvent | None]


def event_of_record(threshold: int) -> RecordHandler:
    """The record handler: the domain event of one stream record, None when it is none, NotADomainRecord for a
    poison record."""

    def handler(record: DynamoDBRecord) -> DomainEvent | None:
        stream = record.dynamodb
        if stream is None or record.event_name is None or not record.event_id:
            raise NotADomainRecord("record without a stream payload")
        # Epoch seconds; only a fallback, as the order and product items carry their own commit time.
        created = stream.get("ApproximateCreationDateTime")
        committed_at = (
            datetime.fromtimestamp(float(created), UTC) if isinstance(created, int | float) else datetime.now(UTC)
        )
        return event_of(
            cast(StreamEvent, record.event_name.name),
            stream.keys or {},
            stream.new_image,
            stream.old_image,
            stream_event_id=record.event_id,
            committed_at=committed_at,
            stock_low_threshold=threshold,
        )

    return handler


def publish(
    events: list[tuple[int, EventDetail]], bus: EventBus, attempts: int, backoff_seconds: float = 0.05
) -> tuple[dict[int, str], int]:
    """Put the events (by record position) in calls of 10, again for the refused ones up to `attempts` calls each.
    Returns the reason for each record whose event was never accepted, and the number of calls made."""
    pending = list(events)
    refused: dict[int, str] = {}
    calls = 0
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff_seconds * 2 ** (attempt - 1))  # EventBridge throttled or failed internally
        refused = {}
        retry: list[tuple[int, EventDetail]] = []
        for start in range(0, len(pending), PUT_EVENTS_LIMIT):
            chunk = pending[start : start + PUT_EVENTS_LIMIT]
            calls += 1
            for (position, event), outcome in zip(chunk, bus.put([event for _, event in chunk]), strict=True):
                if not outcome.ok:
                    refused[position] = outcome.error
                    retry.append((position, event))
        pending = retry
        if not pending:
            break
    return refused, calls


class PublishProcessor(WholeBatchProcessor):
    """A DynamoDB stream batch processor whose record handler returns each record's event (or None); the batch's
    events are put in calls of 10, and exactly the poison records and those whose event was never accepted fail."""

    def __init__(self, bus: EventBus, attempts: int = 3, logger: Logger | None = None) -> None:
        super().__init__(logger=logger)
        self.bus = bus
        self.attempts = attempts
        # Figures of the last batch, for the handler's metrics.
        self.published = 0
        self.poison = 0
        self.calls = 0

    def process_batch(self, records: list[DynamoDBRecord]) -> dict[int, Exception]:
        failures: dict[int, Exception] = {}
        events: list[tuple[int, EventDetail]] = []
        for position, record in enumerate(records):
            try:
                event = self.handler(record)
            except NotADomainRecord as error:
                failures[position] = error
                continue
            if event is not None:
                events.append((position, event))
        self.poison = len(failures)
        refused, self.calls = publish(events, self.bus, self.attempts)
        failures.update((position, EventNotPublished(reason)) for position, reason in refused.items())
        self.published = len(events) - len(refused)
        return failures
