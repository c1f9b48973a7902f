"""A batch of the table's stream handled as a whole, answered record by record.

Powertools' own processors call the record handler once per record and act on each record alone; the indexer
(one bulk write) and the publisher (puts in calls of 10) act on the whole batch at once. `WholeBatchProcessor` is
Powertools' partial batch processing with that whole-batch step in the middle: the subclass's `process_batch`
gets every record and says which of them failed, and each record is answered through Powertools' success and
failure handlers, in the batch's order, so `process_partial_response` reports `batchItemFailures` as usual.
"""

import sys
from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.utilities.batch import BasePartialBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

StreamEvent = Literal["INSERT", "MODIFY", "REMOVE"]


class WholeBatchProcessor(BasePartialBatchProcessor):
    """A DynamoDB stream batch processor for a handler that acts on the whole batch in `process_batch`."""

    def __init__(self, logger: Logger | None = None) -> None:
        # A batch in which every record failed (the downstream service is down) is reported, not raised: raised,
        # it would be a function error, which BisectBatchOnFunctionError would split down to single records, each
        # then spending its own retries and dead-lettering alone. Reported, the stream retries it whole.
        super().__init__(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False, logger=logger)  # type: ignore[arg-type]

    def process_batch(self, records: list[DynamoDBRecord]) -> Mapping[int, Exception]:
        """Act on the whole batch; return the failure of each record that failed, by its position."""
        raise NotImplementedError

    def process(self) -> list[tuple[Any, ...]]:
        records = [DynamoDBRecord(record) for record in self.records]
        failures = self.process_batch(records)
        return [self._answer(record, failures.get(position)) for position, record in enumerate(records)]

    def _answer(self, record: DynamoDBRecord, failure: Exception | None) -> tuple[Any, ...]:
        if failure is None:
            return self.success_handler(record, None)
        try:
            raise failure  # the failure handler logs the exception with its trace, as for a raising handler
        except Exception:
            return self.failure_handler(record, sys.exc_info())

    def _process_record(self, record: dict[str, Any]) -> tuple[Any, ...]:
        raise NotImplementedError("the batch is handled as a whole: process_batch()")

    async def _async_process_record(self, record: dict[str, Any]) -> tuple[Any, ...]:
        raise NotImplementedError("the batch is handled as a whole: process_batch()")
