"""The indexer's batch processor: the whole batch in one bulk write, each record answered from its own outcome."""

import copy
import json

from aws_lambda_powertools.utilities.batch import process_partial_response

from scripts.make_events import PRODUCT_ID, product_image, stream_record
from shop.search.indexing.batch import BulkIndexProcessor, write_action_of_record
from shop.search.models import WriteAction, WriteOutcome

OTHER_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


class RecordingIndex:
    """A search index that records each write call, and refuses the products it is told to."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.writes: list[list[WriteAction]] = []

    def write(self, actions: list[WriteAction], target: str | None = None) -> list[WriteOutcome]:
        self.writes.append(actions)
        return [
            WriteOutcome(False, 503, "refused") if action.product_id in self.refuse else WriteOutcome(True, 201)
            for action in actions
        ]

    def document_versions(self, target: str | None = None):  # pragma: no cover - not used by a batch
        raise AssertionError("a batch only writes")

    def versions_of(self, product_ids: list[str]) -> dict[str, int]:  # pragma: no cover - not used by a batch
        raise AssertionError("a batch only writes")


def insert(sequence: int, product_id: str = PRODUCT_ID, version: int = 1) -> dict:
    record = stream_record(sequence, "INSERT", product_image(version, 1000), None)
    return json.loads(json.dumps(record).replace(PRODUCT_ID, product_id))


def sequence(number: int) -> str:
    return f"{number:021d}"


def poisoned(record: dict) -> dict:
    spoiled = copy.deepcopy(record)
    del spoiled["dynamodb"]["NewImage"]["name"]
    return spoiled


def run(index: RecordingIndex, records: list[dict]) -> tuple[BulkIndexProcessor, list[str]]:
    processor = BulkIndexProcessor(index)
    response = process_partial_response(
        event={"Records": records}, record_handler=write_action_of_record, processor=processor
    )
    return processor, [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def test_given_batch_when_processed_then_one_bulk_write_of_every_product_and_no_failures():
    index = RecordingIndex()
    processor, failed = run(index, [insert(1), insert(2, version=2), insert(3, OTHER_ID)])
    assert failed == [] and processor.poison == 0
    [actions] = index.writes
    assert sorted((action.product_id, action.version) for action in actions) == [(PRODUCT_ID, 2), (OTHER_ID, 1)]


def test_given_poison_and_refused_records_when_processed_then_each_reported_in_batch_order():
    index = RecordingIndex(refuse=frozenset({OTHER_ID}))
    records = [insert(1), poisoned(insert(2)), insert(3, OTHER_ID), insert(4, OTHER_ID, version=2)]
    processor, failed = run(index, records)
    assert failed == [sequence(2), sequence(3), sequence(4)] and processor.poison == 1
    assert len(index.writes) == 1


def test_given_every_record_failing_when_processed_then_reported_not_raised():
    index = RecordingIndex(refuse=frozenset({PRODUCT_ID}))
    processor, failed = run(index, [insert(1), poisoned(insert(2))])
    assert failed == [sequence(1), sequence(2)] and processor.poison == 1
