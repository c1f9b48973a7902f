"""DynamoDB stream → OpenSearch: keeps the search index current with the catalog.

The whole batch goes to OpenSearch in bulk (one request unless the payload is large); each bulk
item's outcome is mapped back to its own record, and Powertools reports the failed records so the
stream retries from the first of them. Writes are versioned, so retries and replays are harmless.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.adapters.search_index import SearchIndex, WriteAction
from shop.errors import InvalidCatalogRecord
from shop.observability import OPENSEARCH, count, logger, metrics
from shop.services.indexing import index_changes, write_action_of
from shop.settings import search_settings

search_settings()  # fail the cold start, not the first batch, when configuration is missing
tracer = Tracer(patch_modules=OPENSEARCH)
# A batch in which every record failed (OpenSearch down) is reported as such, not raised: raising is a
# function error, which BisectBatchOnFunctionError would split down to single records, each then
# spending its own retries and dead-lettering alone. Reported, the stream retries it whole.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, logger=logger, raise_on_entire_batch_failure=False)
search_index = SearchIndex()


class RecordNotIndexed(Exception):
    """The record's change did not reach the index; the stream will deliver it again."""


def _changes(records: list[DynamoDBRecord]) -> tuple[list[tuple[str, WriteAction]], dict[str, str]]:
    changes: list[tuple[str, WriteAction]] = []
    poison: dict[str, str] = {}
    for record in records:
        stream = record.dynamodb
        record_id = str(stream.sequence_number if stream else "")
        try:
            if stream is None or record.event_name is None:
                raise InvalidCatalogRecord("record without a stream payload")
            action = write_action_of(record.event_name.name, stream.keys or {}, stream.new_image, stream.old_image)
        except InvalidCatalogRecord as error:
            poison[record_id] = str(error)
            continue
        changes.append((record_id, action))
    return changes, poison


# No correlation id: a batch holds changes of many requests, and the records' sequence numbers name them.
@logger.inject_lambda_context
@tracer.capture_lambda_handler  # the response names failed records by sequence number only
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [DynamoDBRecord(record) for record in event.get("Records", [])]
    changes, failures = _changes(records)
    poison = len(failures)
    failures.update(index_changes(changes, search_index))

    def record_handler(record: DynamoDBRecord) -> None:
        reason = failures.get(str(record.dynamodb.sequence_number if record.dynamodb else ""))
        if reason is not None:
            raise RecordNotIndexed(reason)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    # Counted as reported to Lambda, every batch (zeros too), so that an alarm on failures always has data.
    failed = len(response.get("batchItemFailures", []))
    count("IndexedRecords", len(records) - failed)
    count("IndexFailures", failed)
    count("PoisonRecords", poison)
    tracer.put_annotation("failed_records", failed)  # find a failing batch's trace
    logger.info("batch indexed", extra={"records": len(records), "failed": failed, "poison": poison})
    return response
