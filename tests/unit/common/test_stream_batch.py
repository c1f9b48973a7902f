"""The whole-batch stream processor: the subclass acts on every record at once, and each record is answered
through Powertools' handlers in the batch's order."""

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from shop.common.stream_batch import WholeBatchProcessor
from tests.unit.events.records import batch, order, record


class FailsSome(WholeBatchProcessor):
    """Fails the records at the given positions; records every batch it was given."""

    def __init__(self, failing: set[int]) -> None:
        super().__init__()
        self.failing = failing
        self.batches: list[list[str]] = []

    def process_batch(self, records: list[DynamoDBRecord]) -> dict[int, Exception]:
        self.batches.append([self.handler(record) for record in records])
        return {position: RuntimeError(f"record {position} failed") for position in self.failing}


def sequence_of(dynamodb_record: DynamoDBRecord) -> str:
    return str(dynamodb_record.dynamodb.sequence_number)


def three_records() -> dict:
    return batch(*(record(sequence, "INSERT", order()) for sequence in (1, 2, 3)))


def test_given_a_batch_when_processed_then_the_subclass_gets_it_whole_once_with_the_record_handler():
    processor = FailsSome(set())

    response = process_partial_response(event=three_records(), record_handler=sequence_of, processor=processor)

    assert response == {"batchItemFailures": []}
    assert len(processor.batches) == 1
    assert processor.batches[0] == [sequence_of(DynamoDBRecord(r)) for r in three_records()["Records"]]


def test_given_failures_by_position_then_exactly_those_records_are_reported_by_sequence_number():
    event = three_records()
    sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]

    response = process_partial_response(event=event, record_handler=sequence_of, processor=FailsSome({0, 2}))

    assert response == {"batchItemFailures": [{"itemIdentifier": sequences[0]}, {"itemIdentifier": sequences[2]}]}


def test_given_every_record_failed_then_the_batch_is_reported_not_raised():
    """Raised, it would be a function error, which BisectBatchOnFunctionError splits down to single records."""
    event = three_records()

    response = process_partial_response(event=event, record_handler=sequence_of, processor=FailsSome({0, 1, 2}))

    assert [failure["itemIdentifier"] for failure in response["batchItemFailures"]] == [
        r["dynamodb"]["SequenceNumber"] for r in event["Records"]
    ]
