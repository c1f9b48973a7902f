"""DynamoDB stream -> EventBridge: each committed order or stock change becomes one domain event on the shop's bus.

The stream is the outbox: a record exists exactly when its write committed. Events go to the bus in calls of 10
inside the batch processor built for it (shop.events.publishing); entries EventBridge refuses are put again, and
records whose event never got through are reported so that the stream delivers them again.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.events.publishing import PublishProcessor, event_of_record
from shop.events.settings import publisher_settings
from shop.events.wiring import event_bus

settings = publisher_settings()  # fails the cold start when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)  # botocore: the PutEvents calls
processor = PublishProcessor(event_bus(), attempts=settings.put_attempts, logger=logger)
record_handler = event_of_record(settings.stock_low_threshold)


# No correlation id: a batch holds changes of many requests, and the records' sequence numbers name them.
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    records = len(event.get("Records", []))
    failed = len(response.get("batchItemFailures", []))
    # Every batch, zeros too, so that an alarm on failures always has data.
    count("PublishedEvents", processor.published)
    count("PublishFailures", failed)
    count("PoisonRecords", processor.poison)
    tracer.put_annotation("failed_records", failed)  # type: ignore[arg-type]
    logger.info(
        "batch published",
        extra={
            "records": records,
            "events": processor.published,
            "failed": failed,
            "poison": processor.poison,
            "put_events_calls": processor.calls,
        },
    )
    return dict(response)
