"""Lambda's event source mapping for DynamoDB streams, against the local DynamoDB: the stream trigger.

For every function event of `Type: DynamoDB` in the template (its `Stream` being `!GetAtt <Table>.StreamArn`), an
EventSourceMapping polls that table's stream, every shard, and invokes the function with the event Lambda sends,
honouring the event's own settings (AWS's defaults where the template says nothing):

- StartingPosition (TRIM_HORIZON | LATEST), BatchSize, MaximumBatchingWindowInSeconds, and Lambda's 6 MB payload cap.
- FilterCriteria: records no pattern matches are dropped before batching, never delivered (devstack.filters).
- One batch in flight per shard, so records of a shard reach the function in order; a child shard is read only
  once its parent is finished.
- An unhandled function error fails the whole batch. With FunctionResponseTypes [ReportBatchItemFailures], the
  response's batchItemFailures name failed records by sequence number: the batch is retried from the lowest one,
  the records before it are done; an empty, null or unknown itemIdentifier fails the whole batch; an empty or null
  list (or response) is a success.
- BisectBatchOnFunctionError: a batch that fails with a function error is split in two and each half retried, the
  first half first; splitting does not count as a retry. A single record is retried. A partial batch response is
  not split (AWS bisects it at the failed record: the same thing), and neither is a response Lambda rejects.
- What AWS leaves unsaid, decided here: retrying the rest of a batch after a partial failure counts as a retry of
  it; a response that is not a JSON object fails the whole batch.
- MaximumRetryAttempts (-1: forever) and MaximumRecordAgeInSeconds (-1: forever): a batch that runs out of retries,
  or records that grow too old before they are (re)delivered, are given up on: logged, sent as Lambda's invocation
  record (condition RetryAttemptsExhausted or RecordAgeExceeded, the batch's shard and sequence range, not the
  records) to the DestinationConfig.OnFailure queue if there is one, and the shard moves on.
- Retries wait 0.1 s, doubling to 2 s (Lambda's backoff is longer): a few seconds of outage fit in a small retry
  budget. When the function cannot be invoked at all (the endpoint is down), nothing ran and no retry is counted.

The invoker is any callable (function name, event) -> Invocation: `LambdaEndpoint` calls the local Lambda invoke
endpoint (devstack.apigw); tests pass fakes.
"""

import base64
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devstack.filters import parse_patterns, passes
from devstack.template import create_queue_requests, resources_of_type

LOG = logging.getLogger(__name__)
POLL_INTERVAL_SECONDS = 0.1
SHARD_DISCOVERY_SECONDS = 1.0
FIRST_RETRY_DELAY_SECONDS = 0.1
MAX_RETRY_DELAY_SECONDS = 2.0
ENDPOINT_RETRY_SECONDS = 1.0
GET_RECORDS_LIMIT = 1000
# Lambda's synchronous invocation payload limit: a batch stops growing before its event would pass it.
MAX_EVENT_BYTES = 6 * 1024 * 1024
# The longest a Lambda function may run, and then some: the invoke call waits for the function, however slow.
INVOKE_READ_TIMEOUT_SECONDS = 15 * 60 + 30


@dataclass(frozen=True)
class Invocation:
    """What an invoke returned: the function's response (decoded JSON) and, if it failed, Lambda's FunctionError."""

    payload: Any
    function_error: str | None = None
    status_code: int = 200
    executed_version: str = "$LATEST"


Invoker = Callable[[str, dict[str, Any]], Invocation]
FailureDestination = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class StreamEventSource:
    """One function's `Type: DynamoDB` event, with Lambda's defaults for what the template leaves out."""

    function_name: str
    table_name: str
    starting_position: str
    batch_size: int = 100
    maximum_batching_window_seconds: float = 0
    filter_patterns: tuple[dict[str, Any], ...] = ()
    report_batch_item_failures: bool = False
    bisect_batch_on_function_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    on_failure_queue: str | None = None  # the logical id of an AWS::SQS::Queue of the template


def stream_event_sources(template: dict[str, Any]) -> list[StreamEventSource]:
    """The enabled DynamoDB stream events of the template's functions."""
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    queues = resources_of_type(template, "AWS::SQS::Queue")
    sources = []
    for function_name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in (function.get("Events") or {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            properties = event.get("Properties", {})
            where = f"{function_name}.Events.{event_name}"
            if not properties.get("Enabled", True):
                continue
            table = _get_att_target(properties.get("Stream"), "StreamArn", tables, f"{where}.Stream")
            destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            on_failure_queue = (
                _get_att_target(destination, "Arn", queues, f"{where}.DestinationConfig") if destination else None
            )
            sources.append(
                StreamEventSource(
                    function_name=function_name,
                    table_name=table,
                    starting_position=properties["StartingPosition"],
                    batch_size=int(properties.get("BatchSize", 100)),
                    maximum_batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
                    filter_patterns=parse_patterns(properties.get("FilterCriteria", {}).get("Filters", [])),
                    report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                    bisect_batch_on_function_error=bool(properties.get("BisectBatchOnFunctionError", False)),
                    maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
                    maximum_record_age_seconds=int(properties.get("MaximumRecordAgeInSeconds", -1)),
                    on_failure_queue=on_failure_queue,
                )
            )
    return sources


def _get_att_target(value: object, attribute: str, candidates: dict[str, Any], where: str) -> str:
    """The logical id X of `!GetAtt X.<attribute>`, X being one of `candidates`: the only form the local stack
    can resolve (an ARN written out names something that does not exist locally)."""
    reference = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    if isinstance(reference, list) and len(reference) == 2 and reference[1] == attribute and reference[0] in candidates:
        return reference[0]
    raise SystemExit(f"{where}: the local stack only follows !GetAtt <resource of this template>.{attribute}")


class SqsDestination:
    """An on-failure destination: each invocation record becomes one message on the queue."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self.queue_url = queue_url

    def __call__(self, invocation_record: dict[str, Any]) -> None:
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(invocation_record))


class LambdaEndpoint:
    """The real invoker: Lambda's Invoke API on the local endpoint (`sam local start-lambda`'s, in devstack.apigw)."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self._client = boto3.client(
            "lambda",
            endpoint_url=endpoint_url,
            region_name=region,
            # The mapping does its own retrying; one slow invocation must not be sent twice.
            config=Config(read_timeout=INVOKE_READ_TIMEOUT_SECONDS, retries={"total_max_attempts": 1}),
        )

    def __call__(self, function_name: str, event: dict[str, Any]) -> Invocation:
        response = self._client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        body = response["Payload"].read()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode(errors="replace")
        return Invocation(
            payload=payload,
            function_error=response.get("FunctionError"),
            status_code=response["StatusCode"],
            executed_version=response.get("ExecutedVersion", "$LATEST"),
        )


@dataclass
class _Batch:
    """Records delivered together, with the history the retry policy and the invocation record need."""

    records: list[dict[str, Any]]
    retries: int = 0
    invocations: int = 0
    last_invocation: Invocation | None = None


class EventSourceMapping:
    """Lambda's poller for one stream event source: a thread watching the stream's shards, and one per shard."""

    def __init__(
        self,
        source: StreamEventSource,
        stream_arn: str,
        streams: Any,
        invoke: Invoker,
        on_failure: FailureDestination | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.stream_arn = stream_arn
        self._streams = streams
        self._invoke = invoke
        self._on_failure = on_failure
        self._clock = clock
        region, account = stream_arn.split(":")[3:5]
        self._function_arn = f"arn:aws:lambda:{region}:{account}:function:{source.function_name}"
        self._stopping = threading.Event()
        self._finished_shards: set[str] = set()
        self._threads: dict[str, threading.Thread] = {}
        self._watcher = threading.Thread(target=self._watch_shards, name=f"streams-{source.function_name}", daemon=True)

    def start(self) -> None:
        self._watcher.start()

    def stop(self) -> None:
        """Ask every thread to stop (returns at once): no batch starts after this, nor a retry."""
        self._stopping.set()

    def join(self, timeout_seconds: float = 5) -> None:
        """Wait for the threads after stop(); one still in an invocation is left to end with the process."""
        deadline = time.monotonic() + timeout_seconds
        self._watcher.join(timeout_seconds)  # first: it is the one that adds shard threads
        for thread in list(self._threads.values()):
            thread.join(max(deadline - time.monotonic(), 0))

    def _watch_shards(self) -> None:
        # Shards there at start-up begin at the StartingPosition; shards that appear later, from their start.
        position = self.source.starting_position
        while not self._stopping.is_set():
            try:
                shards = self._shards()
            except (BotoCoreError, ClientError) as error:
                self._warn("cannot describe stream %s: %s", self.stream_arn, error)
                self._stopping.wait(SHARD_DISCOVERY_SECONDS)
                continue
            known = {shard["ShardId"] for shard in shards}
            for shard in shards:
                shard_id, parent = shard["ShardId"], shard.get("ParentShardId")
                if shard_id in self._threads or (parent in known and parent not in self._finished_shards):
                    continue
                thread = threading.Thread(
                    target=self._poll_shard,
                    args=(shard_id, position),
                    name=f"streams-{self.source.function_name}-{shard_id}",
                    daemon=True,
                )
                self._threads[shard_id] = thread
                thread.start()
            position = "TRIM_HORIZON"
            self._stopping.wait(SHARD_DISCOVERY_SECONDS)

    def _warn(self, message: str, *arguments: object) -> None:
        # Once stopping, the services going away is expected: nothing to report.
        if not self._stopping.is_set():
            LOG.warning(f"%s: {message}", self.source.function_name, *arguments)

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self._streams.describe_stream(**arguments)["StreamDescription"]
            shards += description["Shards"]
            if not description.get("LastEvaluatedShardId"):
                return shards
            arguments["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]

    def _iterator(self, shard_id: str, position: str, after_sequence: str | None) -> str | None:
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if after_sequence:
            arguments.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after_sequence)
        else:
            arguments["ShardIteratorType"] = position
        return self._streams.get_shard_iterator(**arguments).get("ShardIterator")

    def _poll_shard(self, shard_id: str, position: str) -> None:
        source = self.source
        iterator: str | None = None
        last_read: str | None = None  # to resume after an expired iterator
        pending: deque[dict[str, Any]] = deque()  # read and matching the filters, not yet delivered
        pending_since = 0.0
        shard_open = True
        while not self._stopping.is_set():
            more_waiting = False
            if shard_open and len(pending) < source.batch_size:
                try:
                    if iterator is None:
                        iterator = self._iterator(shard_id, position, last_read)
                    response = self._streams.get_records(ShardIterator=iterator, Limit=GET_RECORDS_LIMIT)
                except ClientError as error:
                    code = error.response["Error"]["Code"]
                    if code == "TrimmedDataAccessException":
                        # What follows the last record read is gone: carry on from the oldest left, as Lambda does.
                        last_read, position = None, "TRIM_HORIZON"
                    elif code != "ExpiredIteratorException":  # an expired one is renewed after the last record read
                        self._warn("reading shard %s failed: %s", shard_id, error)
                        self._stopping.wait(1)
                    iterator = None
                    continue
                except BotoCoreError as error:
                    self._warn("reading shard %s failed: %s", shard_id, error)
                    self._stopping.wait(1)
                    continue
                iterator = response.get("NextShardIterator")
                shard_open = iterator is not None
                if not pending:
                    pending_since = time.monotonic()
                for raw in response["Records"]:
                    last_read = raw["dynamodb"]["SequenceNumber"]
                    record = lambda_record(raw, self.stream_arn)
                    if passes(record, source.filter_patterns):
                        pending.append(record)
                more_waiting = len(response["Records"]) == GET_RECORDS_LIMIT
            if not pending:
                if not shard_open:
                    self._finished_shards.add(shard_id)
                    return
                self._stopping.wait(POLL_INTERVAL_SECONDS)
                continue
            if len(pending) < source.batch_size and shard_open:
                if more_waiting:
                    continue
                if time.monotonic() - pending_since < source.maximum_batching_window_seconds:
                    self._stopping.wait(POLL_INTERVAL_SECONDS)
                    continue
            self._deliver(shard_id, _take_batch(pending, source.batch_size))
            pending_since = time.monotonic()

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Invoke until every record is done or given up on: returns only then, so a shard keeps its order."""
        work = deque([_Batch(records)])
        while work and not self._stopping.is_set():
            batch = work.popleft()
            batch.records = self._drop_expired(shard_id, batch)
            if not batch.records:
                continue
            try:
                invocation = self._invoke(self.source.function_name, {"Records": batch.records})
            except Exception as error:  # whatever stopped the call, the function did not run
                self._warn("invoke failed, will retry: %s", error)
                work.appendleft(batch)
                self._stopping.wait(ENDPOINT_RETRY_SECONDS)
                continue
            batch.invocations += 1
            batch.last_invocation = invocation
            failed_from = self._first_failed(batch.records, invocation)
            if failed_from is None:
                continue
            if invocation.function_error and self.source.bisect_batch_on_function_error and len(batch.records) > 1:
                middle = len(batch.records) // 2
                halves = [batch.records[:middle], batch.records[middle:]]
                work.extendleft(_Batch(half, batch.retries, batch.invocations, invocation) for half in reversed(halves))
                continue
            remaining = _Batch(batch.records[failed_from:], batch.retries + 1, batch.invocations, invocation)
            if 0 <= self.source.maximum_retry_attempts < remaining.retries:
                self._give_up(shard_id, remaining, "RetryAttemptsExhausted")
                continue
            self._stopping.wait(min(FIRST_RETRY_DELAY_SECONDS * 2 ** (remaining.retries - 1), MAX_RETRY_DELAY_SECONDS))
            work.appendleft(remaining)

    def _first_failed(self, records: list[dict[str, Any]], invocation: Invocation) -> int | None:
        """The index to retry from, or None when the whole batch succeeded."""
        if invocation.function_error:
            return 0
        if not self.source.report_batch_item_failures:
            return None
        response = invocation.payload
        if response is None or response == {}:
            return None
        if not isinstance(response, dict):
            return 0
        failures = response.get("batchItemFailures")
        if not failures:
            return None
        if not isinstance(failures, list):
            return 0
        positions = {record["dynamodb"]["SequenceNumber"]: index for index, record in enumerate(records)}
        indexes = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not isinstance(identifier, str) or identifier not in positions:
                return 0
            indexes.append(positions[identifier])
        return min(indexes)

    def _drop_expired(self, shard_id: str, batch: _Batch) -> list[dict[str, Any]]:
        """The batch's records still young enough to deliver; the older ones (a prefix: a shard is in order) are
        given up on."""
        limit = self.source.maximum_record_age_seconds
        if limit < 0:
            return batch.records
        oldest_allowed = self._clock() - limit
        young_from = next(
            (
                index
                for index, record in enumerate(batch.records)
                if record["dynamodb"]["ApproximateCreationDateTime"] >= oldest_allowed
            ),
            len(batch.records),
        )
        if young_from:
            expired = _Batch(batch.records[:young_from], batch.retries, batch.invocations, batch.last_invocation)
            self._give_up(shard_id, expired, "RecordAgeExceeded")
        return batch.records[young_from:]

    def _give_up(self, shard_id: str, batch: _Batch, condition: str) -> None:
        record = self.invocation_record(shard_id, batch, condition)
        info = record["DDBStreamBatchInfo"]
        where = "no on-failure destination" if self._on_failure is None else "sent to the on-failure destination"
        LOG.warning(
            "%s: gave up on %d record(s) of shard %s, sequence numbers %s to %s (%s after %d invocation(s)): %s",
            self.source.function_name,
            info["batchSize"],
            shard_id,
            info["startSequenceNumber"],
            info["endSequenceNumber"],
            condition,
            batch.invocations,
            where,
        )
        if self._on_failure is not None:
            try:
                self._on_failure(record)
            except Exception:
                LOG.exception("%s: could not send to the on-failure destination: %s", self.source.function_name, record)

    def invocation_record(self, shard_id: str, batch: _Batch, condition: str) -> dict[str, Any]:
        """What Lambda sends an on-failure destination for a stream source: where the records are, not the records."""
        first, last = batch.records[0]["dynamodb"], batch.records[-1]["dynamodb"]
        record: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self._function_arn,
                "condition": condition,
                "approximateInvokeCount": batch.invocations,
            }
        }
        if batch.last_invocation is not None:
            response: dict[str, Any] = {
                "statusCode": batch.last_invocation.status_code,
                "executedVersion": batch.last_invocation.executed_version,
            }
            if batch.last_invocation.function_error:
                response["functionError"] = batch.last_invocation.function_error
            record["responseContext"] = response
        record |= {
            "version": "1.0",
            "timestamp": datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso_seconds(first["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso_seconds(last["ApproximateCreationDateTime"]),
                "batchSize": len(batch.records),
                "streamArn": self.stream_arn,
            },
        }
        return record


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record (as boto3 returns it) in the shape of a record of Lambda's DynamoDB stream event."""
    stream = raw["dynamodb"]
    dynamodb: dict[str, Any] = {
        # Epoch seconds, as Lambda sends it (boto3 parsed the API's timestamp into a datetime).
        "ApproximateCreationDateTime": int(stream["ApproximateCreationDateTime"].timestamp()),
        "Keys": _json_attributes(stream["Keys"]),
    }
    for image in ("NewImage", "OldImage"):
        if image in stream:
            dynamodb[image] = _json_attributes(stream[image])
    dynamodb |= {
        "SequenceNumber": stream["SequenceNumber"],
        "SizeBytes": stream["SizeBytes"],
        "StreamViewType": stream["StreamViewType"],
    }
    record = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": raw["awsRegion"],
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:  # TTL deletions
        record["userIdentity"] = raw["userIdentity"]
    return record


def _json_attributes(value: Any) -> Any:
    """DynamoDB JSON as the wire has it: boto3 decodes binary (B, BS) values to bytes, the event has base64."""
    if isinstance(value, dict):
        return {key: _json_attributes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_attributes(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _iso_seconds(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _take_batch(pending: deque[dict[str, Any]], batch_size: int) -> list[dict[str, Any]]:
    batch: list[dict[str, Any]] = []
    size = len('{"Records": []}')
    while pending and len(batch) < batch_size:
        record_size = len(json.dumps(pending[0])) + 2
        if batch and size + record_size > MAX_EVENT_BYTES:
            break
        batch.append(pending.popleft())
        size += record_size
    return batch


def start_stream_triggers(
    template: dict[str, Any], endpoint_url: str, region: str, invoke: Invoker
) -> list[EventSourceMapping]:
    """Start an EventSourceMapping for each stream event of the template, against the local DynamoDB (and SQS,
    for on-failure destinations) at `endpoint_url`; the tables and queues must exist."""
    clients = {
        name: boto3.client(name, endpoint_url=endpoint_url, region_name=region)
        for name in ("dynamodb", "dynamodbstreams", "sqs")
    }
    queue_names = {logical_id: request["QueueName"] for logical_id, request in create_queue_requests(template).items()}
    mappings = []
    for source in stream_event_sources(template):
        stream_arn = clients["dynamodb"].describe_table(TableName=source.table_name)["Table"].get("LatestStreamArn")
        if not stream_arn:
            raise SystemExit(f"{source.function_name}: table {source.table_name} has no stream")
        destination = None
        if source.on_failure_queue:
            queue_url = clients["sqs"].get_queue_url(QueueName=queue_names[source.on_failure_queue])["QueueUrl"]
            destination = SqsDestination(clients["sqs"], queue_url)
        mapping = EventSourceMapping(source, stream_arn, clients["dynamodbstreams"], invoke, destination)
        mapping.start()
        mappings.append(mapping)
    return mappings
