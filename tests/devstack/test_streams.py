"""The stream trigger (devstack.streams) against a real moto server's DynamoDB Streams and SQS, with fake functions
(and once with a real one, through devstack.apigw's Lambda endpoint).

Each test declares a function's `Type: DynamoDB` event the way template.yaml does, writes items, and watches what the
function is sent and what reaches the on-failure queue.
"""

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from devstack.streams import (
    EventSourceMapping,
    Invocation,
    Invoker,
    LambdaEndpoint,
    SqsDestination,
    start_stream_triggers,
    stream_event_sources,
)
from devstack.template import create_queue_requests, create_table_requests, load_template
from tests.devstack.moto_server import moto_server

REGION = "us-east-1"
UNHANDLED = Invocation(payload={"errorMessage": "boom", "errorType": "ValueError"}, function_error="Unhandled")
OK = Invocation(payload=None)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as address:
        yield address


@pytest.fixture(scope="module")
def aws(endpoint):
    return {
        name: boto3.client(name, endpoint_url=endpoint, region_name=REGION)
        for name in ("dynamodb", "dynamodbstreams", "sqs")
    }


@dataclass
class FakeFunction:
    """Records every event it is sent; `respond` decides what each invocation returns."""

    respond: Callable[[list[dict[str, Any]]], Invocation] = lambda records: OK
    name: str = "IndexerFunction"
    events: list[list[dict[str, Any]]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, function_name: str, event: dict[str, Any]) -> Invocation:
        assert function_name == self.name
        json.dumps(event)  # Lambda's payload is JSON: the event must be serialisable as it is
        with self.lock:
            self.events.append(event["Records"])
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.01)  # long enough for a second batch of the shard to overlap, were it allowed to
            return self.respond(event["Records"])
        finally:
            with self.lock:
                self.in_flight -= 1

    def batches(self) -> list[list[str]]:
        """The product keys of each invocation, in order."""
        with self.lock:
            return [[key(record) for record in records] for records in self.events]


def key(record: dict[str, Any]) -> str:
    return record["dynamodb"]["Keys"]["pk"]["S"]


def sequence(record: dict[str, Any]) -> str:
    return record["dynamodb"]["SequenceNumber"]


@dataclass
class Stream:
    """A table with a stream, an on-failure queue, and the event source mapping of `declared` from it to a fake."""

    aws: dict[str, Any]
    declared: dict[str, Any]
    table: str
    queue_url: str
    function: Invoker
    clock: Callable[[], float]
    mapping: EventSourceMapping | None = None

    def start(self) -> None:
        [source] = stream_event_sources(self.declared)
        arn = self.aws["dynamodb"].describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        destination = SqsDestination(self.aws["sqs"], self.queue_url)
        self.mapping = EventSourceMapping(
            source, arn, self.aws["dynamodbstreams"], self.function, destination, self.clock
        )
        self.mapping.start()

    def put(self, pk: str, sk: str = "PRODUCT", **attributes: str) -> None:
        item = {"pk": {"S": pk}, "sk": {"S": sk}} | {name: {"S": value} for name, value in attributes.items()}
        self.aws["dynamodb"].put_item(TableName=self.table, Item=item)

    def delete(self, pk: str) -> None:
        self.aws["dynamodb"].delete_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": "PRODUCT"}})

    def failure_messages(self, count: int, timeout_seconds: float = 10) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_seconds
        while len(messages) < count and time.monotonic() < deadline:
            received = self.aws["sqs"].receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages += [json.loads(message["Body"]) for message in received.get("Messages", [])]
            time.sleep(0.05)
        return messages


def template(table: str, queue: str, function_name: str, **event_properties: Any) -> dict[str, Any]:
    """A template shaped like template.yaml's search block: a table with a stream, a queue, a function on the stream."""
    return {
        "Resources": {
            table: {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                },
            },
            queue: {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}},
            function_name: {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        "CatalogStream": {
                            "Type": "DynamoDB",
                            "Properties": {
                                "Stream": {"Fn::GetAtt": [table, "StreamArn"]},
                                "StartingPosition": "TRIM_HORIZON",
                                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
                                **event_properties,
                            },
                        }
                    }
                },
            },
        }
    }


@pytest.fixture
def stream(aws) -> Iterator[Callable[..., Stream]]:
    """Makes the table and queue of a template like template.yaml's, for a mapping that starts with `start()`."""
    made: list[Stream] = []

    def make(
        function: Invoker | None = None,
        clock: Callable[[], float] = time.time,
        function_name: str = "IndexerFunction",
        **event_properties: Any,
    ) -> Stream:
        suffix = uuid.uuid4().hex[:8]
        declared = template(f"Table{suffix}", f"Queue{suffix}", function_name, **event_properties)
        [table_request] = create_table_requests(declared)
        aws["dynamodb"].create_table(**table_request)
        [queue_request] = create_queue_requests(declared).values()
        queue_url = aws["sqs"].create_queue(**queue_request)["QueueUrl"]
        made.append(Stream(aws, declared, table_request["TableName"], queue_url, function or FakeFunction(), clock))
        return made[-1]

    yield make
    mappings = [each.mapping for each in made if each.mapping is not None]
    for mapping in mappings:
        mapping.stop()
    for mapping in mappings:
        mapping.join()


def eventually(condition: Callable[[], object], timeout_seconds: float = 10, message: str = "") -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, message or "condition not met in time"
        time.sleep(0.02)


def delivered(function: FakeFunction, succeeded: Callable[[list[dict[str, Any]]], bool]) -> list[str]:
    """The keys of the records in invocations that succeeded, in invocation order."""
    return [key(record) for records in list(function.events) if succeeded(records) for record in records]


def test_given_writes_when_polled_then_function_gets_lambdas_dynamodb_stream_event_well_within_a_second(stream, aws):
    s = stream()
    s.start()
    written = time.monotonic()
    s.put("PRODUCT#1", title="Kettle")
    eventually(lambda: s.function.events, 2)
    latency = time.monotonic() - written
    s.put("PRODUCT#1", title="Copper Kettle")
    s.delete("PRODUCT#1")
    eventually(lambda: sum(map(len, s.function.events)) == 3)

    records = [record for records in s.function.events for record in records]
    arn = aws["dynamodb"].describe_table(TableName=s.table)["Table"]["LatestStreamArn"]
    assert latency < 0.5
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records:
        assert list(record) == [
            "eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN",
        ]  # fmt: skip
        assert (record["eventVersion"], record["eventSource"], record["awsRegion"]) == ("1.1", "aws:dynamodb", REGION)
        assert record["eventSourceARN"] == arn
        assert re.fullmatch(r"[0-9a-f]{32}", record["eventID"])
        dynamodb = record["dynamodb"]
        assert isinstance(dynamodb["ApproximateCreationDateTime"], int)
        assert abs(dynamodb["ApproximateCreationDateTime"] - time.time()) < 60
        assert dynamodb["Keys"] == {"pk": {"S": "PRODUCT#1"}, "sk": {"S": "PRODUCT"}}
        assert re.fullmatch(r"\d+", dynamodb["SequenceNumber"])
        assert isinstance(dynamodb["SizeBytes"], int)
        assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    insert, modify, remove = (record["dynamodb"] for record in records)
    assert insert["NewImage"]["title"] == {"S": "Kettle"} and "OldImage" not in insert
    assert (modify["OldImage"]["title"], modify["NewImage"]["title"]) == ({"S": "Kettle"}, {"S": "Copper Kettle"})
    assert remove["OldImage"]["title"] == {"S": "Copper Kettle"} and "NewImage" not in remove
    assert int(insert["SequenceNumber"]) < int(modify["SequenceNumber"]) < int(remove["SequenceNumber"])


def test_given_batch_size_when_records_wait_in_the_stream_then_batches_hold_at_most_that_many_in_order(stream):
    s = stream(BatchSize=3)
    for number in range(7):
        s.put(f"PRODUCT#{number}")

    s.start()

    eventually(lambda: sum(map(len, s.function.events)) == 7)
    assert s.function.batches() == [
        ["PRODUCT#0", "PRODUCT#1", "PRODUCT#2"],
        ["PRODUCT#3", "PRODUCT#4", "PRODUCT#5"],
        ["PRODUCT#6"],
    ]


def test_given_no_batch_size_in_template_when_polled_then_lambdas_default_of_100_applies(stream):
    s = stream()
    for number in range(105):
        s.put(f"PRODUCT#{number}")

    s.start()

    eventually(lambda: sum(map(len, s.function.events)) == 105)
    assert [len(batch) for batch in s.function.batches()] == [100, 5]


def test_given_batching_window_when_records_trickle_in_then_they_wait_for_one_batch(stream):
    s = stream(BatchSize=10, MaximumBatchingWindowInSeconds=1)
    s.start()

    for number in range(3):
        s.put(f"PRODUCT#{number}")
        time.sleep(0.2)  # longer than a poll: without the window, each would go alone

    eventually(lambda: s.function.events)
    assert s.function.batches() == [["PRODUCT#0", "PRODUCT#1", "PRODUCT#2"]]


def test_given_starting_position_latest_when_polling_starts_then_only_later_records_are_delivered(stream):
    s = stream(StartingPosition="LATEST")
    s.put("PRODUCT#before")
    s.start()
    time.sleep(0.5)  # the shard iterator is taken at the stream's end

    s.put("PRODUCT#after")

    eventually(lambda: s.function.events)
    time.sleep(0.3)
    assert s.function.batches() == [["PRODUCT#after"]]


def test_given_filter_criteria_when_other_items_are_written_then_they_never_reach_the_function(stream):
    s = stream(FilterCriteria={"Filters": [{"Pattern": '{"dynamodb": {"Keys": {"sk": {"S": ["PRODUCT"]}}}}'}]})
    s.start()

    s.put("CART#1", sk="CART")
    s.put("PRODUCT#1")
    s.put("ORDER#1", sk="ORDER")
    s.put("PRODUCT#2")
    eventually(lambda: sum(map(len, s.function.events)) == 2)
    time.sleep(0.3)  # a record filtered out must not turn up late either

    assert [k for batch in s.function.batches() for k in batch] == ["PRODUCT#1", "PRODUCT#2"]


def test_given_reported_item_failures_when_batch_returns_then_retried_from_lowest_failed_record_only(stream):
    def respond(records: list[dict[str, Any]]) -> Invocation:
        if len(s.function.events) == 1:  # the first attempt: #2 and #4 fail, reported out of order
            failed = [records[4], records[2]]
            return Invocation({"batchItemFailures": [{"itemIdentifier": sequence(r)} for r in failed]})
        return Invocation({"batchItemFailures": []})

    s = stream(FakeFunction(respond), FunctionResponseTypes=["ReportBatchItemFailures"])
    for number in range(6):
        s.put(f"PRODUCT#{number}")

    s.start()

    eventually(lambda: len(s.function.events) == 2)
    time.sleep(0.3)
    assert s.function.batches() == [
        [f"PRODUCT#{number}" for number in range(6)],
        ["PRODUCT#2", "PRODUCT#3", "PRODUCT#4", "PRODUCT#5"],  # #0 and #1 are done: not sent again
    ]


@pytest.mark.parametrize("identifier", ["", None, "999999999999999999", "missing-key"])
def test_given_empty_null_or_unknown_item_identifier_when_batch_returns_then_whole_batch_is_retried(stream, identifier):
    def respond(records: list[dict[str, Any]]) -> Invocation:
        if len(s.function.events) > 1:
            return OK
        if identifier == "missing-key":  # a misspelt key: no itemIdentifier at all
            return Invocation({"batchItemFailures": [{"itemIdentifer": sequence(records[1])}]})
        return Invocation({"batchItemFailures": [{"itemIdentifier": identifier}]})

    s = stream(FakeFunction(respond), FunctionResponseTypes=["ReportBatchItemFailures"])
    for number in range(3):
        s.put(f"PRODUCT#{number}")

    s.start()

    eventually(lambda: len(s.function.events) == 2)
    assert s.function.batches() == [["PRODUCT#0", "PRODUCT#1", "PRODUCT#2"]] * 2


def test_given_item_failures_without_report_batch_item_failures_when_returned_then_batch_counts_as_success(stream):
    s = stream(FakeFunction(lambda records: Invocation({"batchItemFailures": [{"itemIdentifier": ""}]})))
    s.put("PRODUCT#0")

    s.start()

    eventually(lambda: s.function.events)
    time.sleep(0.3)
    assert s.function.batches() == [["PRODUCT#0"]]


def test_given_poison_record_and_bisect_when_batch_keeps_failing_then_batch_mates_delivered_and_poison_dead_lettered(
    stream,
):
    def respond(records: list[dict[str, Any]]) -> Invocation:
        return UNHANDLED if any(key(record) == "PRODUCT#5" for record in records) else OK

    s = stream(FakeFunction(respond), BisectBatchOnFunctionError=True, MaximumRetryAttempts=2)
    for number in range(8):
        s.put(f"PRODUCT#{number}")

    s.start()

    [message] = s.failure_messages(1)
    succeeded = delivered(s.function, lambda records: "PRODUCT#5" not in map(key, records))
    assert succeeded == [f"PRODUCT#{number}" for number in range(8) if number != 5]
    # Splitting is free; the record alone is then tried once and retried twice.
    assert s.function.batches().count(["PRODUCT#5"]) == 3
    poison = next(record for records in s.function.events for record in records if key(record) == "PRODUCT#5")
    info = message["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        sequence(poison),
        sequence(poison),
        1,
    )
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == len(
        [batch for batch in s.function.batches() if "PRODUCT#5" in batch]
    )
    assert message["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}


def test_given_function_error_without_bisect_when_retries_run_out_then_whole_batch_is_given_up(stream):
    s = stream(FakeFunction(lambda records: UNHANDLED), MaximumRetryAttempts=1)
    for number in range(3):
        s.put(f"PRODUCT#{number}")

    s.start()

    [message] = s.failure_messages(1)
    assert s.function.batches() == [["PRODUCT#0", "PRODUCT#1", "PRODUCT#2"]] * 2
    assert message["DDBStreamBatchInfo"]["batchSize"] == 3


def test_given_record_keeps_failing_when_retries_run_out_then_on_failure_queue_gets_lambdas_invocation_record(
    stream, aws
):
    def respond(records: list[dict[str, Any]]) -> Invocation:
        failed = [record for record in records if key(record) == "PRODUCT#1"]
        return Invocation({"batchItemFailures": [{"itemIdentifier": sequence(record)} for record in failed]})

    s = stream(FakeFunction(respond), FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1)
    for number in range(3):
        s.put(f"PRODUCT#{number}")

    s.start()

    [message] = s.failure_messages(1)
    [_, failed, _] = s.function.events[0]
    last = s.function.events[0][-1]
    arn = aws["dynamodb"].describe_table(TableName=s.table)["Table"]["LatestStreamArn"]
    [shard] = aws["dynamodbstreams"].describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert s.function.batches() == [["PRODUCT#0", "PRODUCT#1", "PRODUCT#2"], ["PRODUCT#1", "PRODUCT#2"]]
    assert list(message) == ["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"]
    request_context = message["requestContext"]
    assert re.fullmatch(r"[0-9a-f-]{36}", request_context.pop("requestId"))
    assert request_context == {
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:IndexerFunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 2,
    }
    # A partial batch response is no function error: the key is absent.
    assert message["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert message["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", message["timestamp"])
    arrival = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(failed["dynamodb"]["ApproximateCreationDateTime"]))
    assert message["DDBStreamBatchInfo"] == {
        "shardId": shard["ShardId"],
        "startSequenceNumber": sequence(failed),  # #0 was done: only the failing rest is given up
        "endSequenceNumber": sequence(last),
        "approximateArrivalOfFirstRecord": arrival,
        "approximateArrivalOfLastRecord": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(last["dynamodb"]["ApproximateCreationDateTime"])
        ),
        "batchSize": 2,
        "streamArn": arn,
    }

    s.put("PRODUCT#3")  # and the shard moves on
    eventually(lambda: s.function.batches()[-1] == ["PRODUCT#3"])


def test_given_records_older_than_maximum_record_age_when_polled_then_never_invoked_and_sent_as_record_age_exceeded(
    stream,
):
    s = stream(MaximumRecordAgeInSeconds=60, clock=lambda: time.time() + 120)
    s.put("PRODUCT#0")
    s.put("PRODUCT#1")

    s.start()

    [message] = s.failure_messages(1)
    assert s.function.events == []
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in message  # nothing was invoked
    assert message["DDBStreamBatchInfo"]["batchSize"] == 2


def test_given_failing_batches_when_retried_then_shard_order_holds_and_one_batch_is_in_flight_at_a_time(stream):
    attempts: dict[str, int] = {}
    succeeded: list[str] = []

    def respond(records: list[dict[str, Any]]) -> Invocation:
        first = sequence(records[0])
        attempts[first] = attempts.get(first, 0) + 1
        if attempts[first] == 1:  # every batch fails once, then succeeds
            return UNHANDLED
        succeeded.extend(map(key, records))
        return OK

    s = stream(FakeFunction(respond), BatchSize=2)
    s.start()
    for number in range(10):
        s.put(f"PRODUCT#{number}")

    eventually(lambda: len(succeeded) == 10)
    assert succeeded == [f"PRODUCT#{number}" for number in range(10)]
    batches = s.function.batches()
    assert batches[::2] == batches[1::2]  # each retried as it was, before anything after it
    assert s.function.most_in_flight == 1


def test_given_repo_template_when_triggers_start_then_indexer_gets_product_writes_with_the_templates_settings(
    endpoint, aws
):
    declared = load_template()
    for request in create_table_requests(declared):
        aws["dynamodb"].create_table(**request)
    for request in create_queue_requests(declared).values():
        aws["sqs"].create_queue(**request)
    # The stream feeds the search indexer and the order events' publisher, each through its own mapping.
    function, publisher = FakeFunction(), FakeFunction(name="PublisherFunction")
    sources = {source.function_name: source for source in stream_event_sources(declared)}
    assert set(sources) == {"IndexerFunction", "PublisherFunction"}
    source = sources["IndexerFunction"]

    def invoke(function_name: str, event: dict[str, Any]) -> Invocation:
        return {"IndexerFunction": function, "PublisherFunction": publisher}[function_name](function_name, event)

    mappings = start_stream_triggers(declared, endpoint, REGION, invoke)
    try:
        aws["dynamodb"].put_item(TableName="ShopTable", Item={"pk": {"S": "CART#1"}, "sk": {"S": "CART"}})
        aws["dynamodb"].put_item(TableName="ShopTable", Item={"pk": {"S": "PRODUCT#1"}, "sk": {"S": "PRODUCT"}})
        eventually(lambda: function.events and publisher.events)
        time.sleep(0.3)
    finally:
        for mapping in mappings:
            mapping.stop()
            mapping.join()

    # Each mapping's filter drops the cart: only catalog (and order) changes reach them.
    assert function.batches() == [["PRODUCT#1"]]
    assert publisher.batches() == [["PRODUCT#1"]]
    assert (source.function_name, source.table_name, source.on_failure_queue) == (
        "IndexerFunction",
        "ShopTable",
        "IndexerDeadLetterQueue",
    )
    assert source.report_batch_item_failures and source.bisect_batch_on_function_error
    assert source.batch_size > 1 and source.maximum_retry_attempts >= 0 and source.maximum_record_age_seconds > 0


def test_given_mapping_on_the_local_lambda_endpoint_when_item_written_then_the_real_function_runs_on_it(
    stream, gateway
):
    s = stream(LambdaEndpoint(gateway.lambda_url, REGION), function_name="EchoFunction")
    s.start()

    s.put("PRODUCT#1")

    eventually(lambda: "[EchoFunction] echo invoked with 1 record(s)" in gateway.log_text(), 10, gateway.log_text())
    time.sleep(0.3)
    assert s.failure_messages(1, timeout_seconds=0.5) == []  # it succeeded: nothing given up
