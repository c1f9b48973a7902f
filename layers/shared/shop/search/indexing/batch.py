"""The stream indexer's batch: every record of the table's stream becomes a write to the index, the whole batch
goes to OpenSearch in one bulk write, and each record is answered from its own write's outcome.

`BulkIndexProcessor` is Powertools' partial batch processing with that one bulk write in the middle: Powertools'
own processors call the record handler once per record and would need a write per record (or a second pass).
Failed records are reported as `batchItemFailures`, so the stream retries from the first of them; writes are
versioned, so retries and replays are harmless.
"""

import sys
from typing import Any, Literal, cast

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.utilities.batch import BasePartialBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from pydantic import ValidationError

from shop.catalog.dynamodb import ENTITY, product_id_of_key, product_of_attributes
from shop.search.errors import InvalidCatalogRecord
from shop.search.indexing.service import index_changes
from shop.search.models import DeleteProduct, IndexProduct, WriteAction
from shop.search.ports import SearchWriter


class RecordNotIndexed(Exception):
    """The record's change did not reach the index; the stream will deliver it again."""


StreamEvent = Literal["INSERT", "MODIFY", "REMOVE"]


def write_action_of(
    event_name: StreamEvent,
    keys: dict[str, Any],
    new_image: dict[str, Any] | None,
    old_image: dict[str, Any] | None,
) -> WriteAction:
    """What one stream record asks of the index. Images are deserialised item attributes."""
    try:
        # Only the product item itself: another entity under the product's partition is not it.
        if keys.get("sk") != ENTITY:
            raise InvalidCatalogRecord(f"{event_name} record's key is not a catalog product's")
        product_id = product_id_of_key(str(keys["pk"]))
        if event_name == "REMOVE":
            # The key says which product; the old image's version orders the delete after every update.
            version = (old_image or {}).get("version")
            if version is None:
                raise InvalidCatalogRecord("REMOVE record without the old image's version")
            return DeleteProduct(product_id, int(version) + 1)
        if not new_image:
            raise InvalidCatalogRecord(f"{event_name} record without a new image")
        product = product_of_attributes(new_image)
        if product.id != product_id:
            raise InvalidCatalogRecord(f"{event_name} record's image is not the product its key names")
        return IndexProduct(product)
    except (KeyError, ValueError, TypeError, ValidationError) as error:
        # ValidationError is a ValueError: a malformed item is a poison record, not a crash.
        raise InvalidCatalogRecord(f"{event_name} record is not a catalog product: {error}") from error


def write_action_of_record(record: DynamoDBRecord) -> WriteAction:
    """The record handler of the indexer's batch: InvalidCatalogRecord for a record no retry can index."""
    stream = record.dynamodb
    if stream is None or record.event_name is None:
        raise InvalidCatalogRecord("record without a stream payload")
    return write_action_of(
        cast(StreamEvent, record.event_name.name), stream.keys or {}, stream.new_image, stream.old_image
    )


class BulkIndexProcessor(BasePartialBatchProcessor):
    """A DynamoDB stream batch processor whose record handler returns each record's write action; `process`
    writes them all at once and fails exactly the records whose write failed, and the poison records."""

    def __init__(self, index: SearchWriter, logger: Logger | None = None) -> None:
        # A batch in which every record failed (OpenSearch down) is reported as such, not raised: raising is a
        # function error, which BisectBatchOnFunctionError would split down to single records, each then
        # spending its own retries and dead-lettering alone. Reported, the stream retries it whole.
        super().__init__(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False, logger=logger)  # type: ignore[arg-type]
        self.index = index
        # Records of the last batch that no retry can index (not a catalog product's change).
        self.poison = 0

    def process(self) -> list[tuple[Any, ...]]:
        records = [DynamoDBRecord(record) for record in self.records]
        rejected: dict[int, InvalidCatalogRecord] = {}
        changes: list[tuple[str, WriteAction]] = []
        for position, record in enumerate(records):
            try:
                changes.append((str(position), self.handler(record)))
            except InvalidCatalogRecord as error:
                rejected[position] = error
        self.poison = len(rejected)
        # The one bulk write: several records of one product collapse into its newest version.
        unwritten = index_changes(changes, self.index)
        # Answered in the batch's order, as Powertools' own processors answer.
        return [
            self._answer(record, rejected.get(position) or self._not_indexed(unwritten.get(str(position))))
            for position, record in enumerate(records)
        ]

    @staticmethod
    def _not_indexed(reason: str | None) -> RecordNotIndexed | None:
        return None if reason is None else RecordNotIndexed(reason)

    def _answer(self, record: DynamoDBRecord, failure: Exception | None) -> tuple[Any, ...]:
        if failure is None:
            return self.success_handler(record, None)
        try:
            raise failure  # the failure handler logs the exception with its trace, as for a raising handler
        except Exception:
            return self.failure_handler(record, sys.exc_info())

    def _process_record(self, record: dict[str, Any]) -> tuple[Any, ...]:
        raise NotImplementedError("a batch is written at once: process()")

    async def _async_process_record(self, record: dict[str, Any]) -> tuple[Any, ...]:
        raise NotImplementedError("a batch is written at once: process()")
