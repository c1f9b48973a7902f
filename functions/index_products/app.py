"""DynamoDB stream → OpenSearch: keeps the search index current with the catalog.

The whole batch goes to OpenSearch in one bulk write (one request unless the payload is large), inside the
batch processor built for it (shop.search.indexing.batch); each record is answered from its own write's
outcome, and the failed ones are reported so that the stream retries from the first of them.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_OPENSEARCH, count, logger, metrics
from shop.search.indexing.batch import BulkIndexProcessor, write_action_of_record
from shop.search.wiring import search_index

tracer = Tracer(patch_modules=PATCHES_FOR_OPENSEARCH)
processor = BulkIndexProcessor(search_index(), logger=logger)  # fails the cold start when configuration is missing


# No correlation id: a batch holds changes of many requests, and the records' sequence numbers name them.
@logger.inject_lambda_context
@tracer.capture_lambda_handler  # the response names failed records by sequence number only
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=write_action_of_record, processor=processor, context=context
    )
    records = len(event.get("Records", []))
    # Counted as reported to Lambda, every batch (zeros too), so that an alarm on failures always has data.
    failed = len(response.get("batchItemFailures", []))
    count("IndexedRecords", records - failed)
    count("IndexFailures", failed)
    count("PoisonRecords", processor.poison)
    # Finds a failing batch's trace. An int is a numbers.Number to Powertools; mypy does not know the numeric tower.
    tracer.put_annotation("failed_records", failed)  # type: ignore[arg-type]
    logger.info("batch indexed", extra={"records": records, "failed": failed, "poison": processor.poison})
    return dict(response)
