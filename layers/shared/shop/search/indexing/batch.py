"""The stream indexer's batch: every record of the table's stream becomes a write to the index, the whole batch
goes to OpenSearch in one bulk write, and each record is answered from its own write's outcome.

`BulkIndexProcessor` is Powertools' partial batch processing with that one bulk write in the middle: Powertools'
own processors call the record handler once per record and would need a write per record (or a second pass).
Failed records are reported as `batchItemFailures`, so the stream retries from the first of them; writes are
versioned, so retries and replays are harmless.
"""

from typing import Any, cast

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from pydantic import ValidationError

from shop.catalog.dynamodb import ENTITY, product_id_of_key, product_of_attributes
from shop.common.stream_batch import StreamEvent, WholeBatchProcessor
from shop.search.errors import InvalidCatalogRecord
from shop.search.indexing.service import index_changes
from shop.search.models import DeleteProduct, IndexProduct, WriteAction
from shop.search.ports import SearchWriter


class RecordNotIndexed(Exception):
    """The record's change did not reach the index; the stream will deliver it again."""


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


class BulkIndexProcessor(WholeBatchProcessor):
    """A DynamoDB stream batch processor whose record handler returns each record's write action; the batch is
    written at once, and exactly the records whose write failed, and the poison records, fail."""

    def __init__(self, index: SearchWriter, logger: Logger | None = None) -> None:
        super().__init__(logger=logger)
        self.index = index
        # Records of the last batch that no retry can index (not a catalog product's change).
        self.poison = 0

    def process_batch(self, records: list[DynamoDBRecord]) -> dict[int, Exception]:
        failures: dict[int, Exception] = {}
        changes: list[tuple[str, WriteAction]] = []
        for position, record in enumerate(records):
            try:
                changes.append((str(position), self.handler(record)))
            except InvalidCatalogRecord as error:
                failures[position] = error
        self.poison = len(failures)
        # The one bulk write: several records of one product collapse into its newest version.
        unwritten = index_changes(changes, self.index)
        failures.update((int(position), RecordNotIndexed(reason)) for position, reason in unwritten.items())
        return failures
