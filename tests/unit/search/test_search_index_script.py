"""scripts/search_index.py --stack: the stack's outputs from CloudFormation (moto), the admin function invoked
through a boto3 Lambda client whose `invoke` is replaced, the dead-letter queue and stream from moto."""

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.template import create_table_requests, load_template
from scripts import search_index as script
from shop.catalog.dynamodb import ProductsTable
from shop.catalog.models import Product
from shop.common import clients
from shop.search.indexing import stream_range as catalog_stream

STACK = "shop-dev"
FUNCTION = "shop-dev-SearchAdminFunction-AbCdEf123456"
TABLE = "ShopTable"


class FakeLambda:
    """Answers `invoke` with the next of `answers` (a summary, or ("error", payload) for a function error)."""

    def __init__(self) -> None:
        self.answers: list[Any] = []
        self.calls: list[dict[str, Any]] = []
        self.configs: list[Any] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append({**kwargs, "Payload": json.loads(kwargs["Payload"])})
        answer = self.answers.pop(0)
        if isinstance(answer, tuple):
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": io.BytesIO(json.dumps(answer[1]).encode()),
            }
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [call["Payload"] for call in self.calls]


@pytest.fixture
def aws() -> Iterator[None]:
    catalog_stream.streams_client.cache_clear()
    clients.aws_client.cache_clear()
    with mock_aws():
        yield
    catalog_stream.streams_client.cache_clear()
    clients.aws_client.cache_clear()


@pytest.fixture
def lambda_client(aws, monkeypatch) -> FakeLambda:
    fake = FakeLambda()
    real_client = boto3.client

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        if service == "lambda":
            fake.configs.append(kwargs.get("config"))
            return fake
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", client)
    return fake


def create_stack(region: str = "us-east-1", outputs: dict[str, Any] | None = None) -> str:
    """A stack with the outputs the script reads (a real queue behind the dead-letter queue's)."""
    template = {
        "Resources": {"IndexerDeadLetterQueue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": outputs
        if outputs is not None
        else {
            "SearchAdminFunctionName": {"Value": FUNCTION},
            "IndexerDeadLetterQueueUrl": {"Value": {"Ref": "IndexerDeadLetterQueue"}},
            "TableName": {"Value": TABLE},
        },
    }
    cloudformation = boto3.client("cloudformation", region_name=region)
    cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    described = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}.get("IndexerDeadLetterQueueUrl", "")


def summary_of_check(**kinds: list[str]) -> dict[str, Any]:
    lists = {
        label: {"count": len(kinds.get(label, [])), "ids": kinds.get(label, []), "truncated": False}
        for label in ("missing", "extra", "stale", "malformed")
    }
    in_sync = not any(kinds.values())
    return {"ok": in_sync, "action": "check", "in_sync": in_sync, "table_count": 3, "index_count": 3, **lists}


def report(indexed: int = 0, failed: dict[str, str] | None = None) -> dict[str, Any]:
    failed = failed or {}
    return {
        "indexed": indexed,
        "deleted": 0,
        "unchanged": 0,
        "failed": {"count": len(failed), "items": failed, "truncated": False},
        "malformed": {"count": 0, "items": {}, "truncated": False},
    }


# --- Invoking the function ---


def test_given_a_stack_in_sync_when_checked_then_the_function_is_invoked_once_and_exit_0(lambda_client, capsys):
    create_stack()
    lambda_client.answers = [summary_of_check()]

    status = script.main(["--stack", STACK, "check"])

    assert status == 0
    (call,) = lambda_client.calls
    assert (call["FunctionName"], call["InvocationType"], call["Payload"]) == (
        FUNCTION,
        "RequestResponse",
        {"action": "check"},
    )
    # Waits out a whole invocation, and never invokes twice for one command.
    config = lambda_client.configs[0]
    assert config.read_timeout >= 15 * 60 and config.retries == {"total_max_attempts": 1}
    assert "table 3, index 3: missing 0, extra 0, stale 0, malformed in the table 0" in capsys.readouterr().out


def test_given_differences_when_checked_then_listed_and_exit_1(lambda_client, capsys):
    create_stack()
    missing = str(uuid.uuid4())
    lambda_client.answers = [summary_of_check(missing=[missing])]

    assert script.main(["--stack", STACK, "check"]) == 1
    assert f"  missing {missing}" in capsys.readouterr().out


def test_given_a_reindex_when_run_on_the_stack_then_its_summary_is_printed_as_locally(lambda_client, capsys):
    create_stack()
    lambda_client.answers = [
        {
            "ok": True,
            "action": "reindex",
            "index": "products-v3",
            "previous": "products-v2",
            "dropped": ["products-v1"],
            "copied": report(indexed=300),
            "caught_up": report(),
        }
    ]

    assert script.main(["--stack", STACK, "reindex"]) == 0
    out = capsys.readouterr().out
    assert "alias now -> products-v3 (was products-v2, kept for a rollback)" in out
    assert "dropped older indices: products-v1" in out
    assert "copy:     indexed 300, deleted 0, already current 0, failed 0, malformed in the table 0" in out


def test_given_ensure_when_run_on_the_stack_then_the_alias_is_printed(lambda_client, capsys):
    create_stack()
    lambda_client.answers = [{"ok": True, "action": "ensure", "alias": "products", "index": "products-v1"}]

    assert script.main(["--stack", STACK, "ensure"]) == 0
    assert "alias products -> products-v1" in capsys.readouterr().out


def test_given_ids_when_reconciled_on_the_stack_then_sent_once_each_and_failures_exit_1(lambda_client, capsys):
    create_stack()
    first, second = sorted(str(uuid.uuid4()) for _ in range(2))
    lambda_client.answers = [{"ok": False, "action": "reconcile", **report(indexed=1, failed={second: "403 blocked"})}]

    status = script.main(["--stack", STACK, "reconcile", "--ids", second, first, second])

    assert status == 1
    assert lambda_client.payloads == [{"action": "reconcile", "ids": [first, second]}]
    assert f"  failed {second}: 403 blocked" in capsys.readouterr().out


def test_given_reconcile_all_on_the_stack_then_no_ids_are_sent(lambda_client):
    create_stack()
    lambda_client.answers = [{"ok": True, "action": "reconcile", **report(indexed=4)}]

    assert script.main(["--stack", STACK, "reconcile", "--all"]) == 0
    assert lambda_client.payloads == [{"action": "reconcile"}]


def test_given_the_function_near_its_timeout_when_reindexing_then_its_explanation_and_exit_1(lambda_client, capsys):
    create_stack()
    message = "reindex stopped with 55 s left ... A Lambda invocation runs at most 15 minutes"
    lambda_client.answers = [{"ok": False, "error": "deadline", "action": "reindex", "message": message}]

    assert script.main(["--stack", STACK, "reindex"]) == 1
    assert f"reindex failed (deadline): {message}" in capsys.readouterr().out


def test_given_the_function_crashing_when_invoked_then_its_error_and_exit_1(lambda_client, capsys):
    create_stack()
    lambda_client.answers = [("error", {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"})]

    assert script.main(["--stack", STACK, "check"]) == 1
    assert f"{FUNCTION} failed: Sandbox.Timedout: Task timed out" in capsys.readouterr().out


def test_given_no_such_stack_when_run_then_a_clear_exit(lambda_client):
    with pytest.raises(SystemExit, match="cannot read stack 'shop-dev'"):
        script.main(["--stack", STACK, "check"])
    assert lambda_client.calls == []


def test_given_a_stack_without_the_admin_function_when_run_then_a_clear_exit(lambda_client):
    create_stack(outputs={"TableName": {"Value": TABLE}})

    with pytest.raises(SystemExit, match="has no output SearchAdminFunctionName"):
        script.main(["--stack", STACK, "check"])


def test_given_a_region_when_run_then_the_stack_is_read_there(lambda_client, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    create_stack(region="eu-west-1")
    lambda_client.answers = [summary_of_check()]

    assert script.main(["--stack", STACK, "--region", "eu-west-1", "check"]) == 0


def test_given_a_region_without_a_stack_then_refused():
    with pytest.raises(SystemExit):
        script.parse_args(["--region", "eu-west-1", "check"])


def test_given_from_dlq_without_a_queue_and_without_a_stack_then_refused(aws):
    with pytest.raises(SystemExit, match="name the dead-letter queue"):
        script.main(["reconcile", "--from-dlq"])


# --- reconcile --from-dlq: the queue and stream read here, the products reconciled by the function ---


def _put_products(count: int) -> list[Product]:
    client = boto3.client("dynamodb")
    for request in create_table_requests(load_template()):
        client.create_table(**request)
    table = ProductsTable(TABLE)
    products = []
    for n in range(count):
        at = datetime(2026, 11, 27, 12, n, tzinfo=UTC)
        product = Product.model_validate(
            {
                "id": str(uuid.uuid4()),
                "name": f"Lamp {n}",
                "category": "lighting",
                "price_cents": 1000,
                "currency": "USD",
                "stock": 1,
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }
        )
        table.put_new(product)
        products.append(product)
    return products


def _stream_batches(sizes: list[int]) -> list[dict[str, Any]]:
    """On-failure messages for consecutive batches of the table's stream records, `sizes` records each."""
    stream_arn = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    messages, start = [], 0
    for size in sizes:
        batch = records[start : start + size]
        start += size
        messages.append(
            {
                "version": "1.0",
                "DDBStreamBatchInfo": {
                    "shardId": shard,
                    "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                    "batchSize": len(batch),
                    "streamArn": stream_arn,
                },
            }
        )
    return messages


def _messages_left(queue_url: str) -> int:
    """Messages still in the queue, visible or not (the script hides those it is working on)."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_given_dead_letters_when_reconciled_on_the_stack_then_each_repaired_batch_leaves_the_queue(
    lambda_client, capsys
):
    queue_url = create_stack()
    products = _put_products(5)
    first, second = _stream_batches([3, 2])
    sqs = boto3.client("sqs")
    for message in (first, second):
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
    # The function repairs the first batch; the second still has a product the index refuses.
    refused = products[3].id
    lambda_client.answers = [
        {"ok": True, "action": "reconcile", **report(indexed=3)},
        {"ok": False, "action": "reconcile", **report(indexed=1, failed={refused: "403 blocked"})},
    ]

    status = script.main(["--stack", STACK, "reconcile", "--from-dlq"])

    assert status == 1
    assert lambda_client.payloads == [
        {"action": "reconcile", "ids": sorted(p.id for p in products[:3])},
        {"action": "reconcile", "ids": sorted(p.id for p in products[3:])},
    ]
    assert _messages_left(queue_url) == 1  # the second
    assert f"  failed {refused}: 403 blocked" in capsys.readouterr().out


def test_given_the_function_failing_for_a_batch_then_its_message_stays(lambda_client, capsys):
    queue_url = create_stack()
    _put_products(2)
    (message,) = _stream_batches([2])
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
    lambda_client.answers = [("error", {"errorType": "Runtime.ImportModuleError", "errorMessage": "no module"})]

    assert script.main(["--stack", STACK, "reconcile", "--from-dlq"]) == 1
    assert _messages_left(queue_url) == 1
    assert f"{FUNCTION} failed: Runtime.ImportModuleError: no module" in capsys.readouterr().out


def test_given_a_queue_named_explicitly_then_it_is_read_instead_of_the_stacks(lambda_client):
    create_stack()
    _put_products(1)
    other = boto3.client("sqs").create_queue(QueueName="OtherDeadLetters")["QueueUrl"]
    (message,) = _stream_batches([1])
    boto3.client("sqs").send_message(QueueUrl=other, MessageBody=json.dumps(message))
    lambda_client.answers = [{"ok": True, "action": "reconcile", **report(indexed=1)}]

    assert script.main(["--stack", STACK, "reconcile", "--from-dlq", "OtherDeadLetters"]) == 0
    assert _messages_left(other) == 0


def test_given_a_message_that_is_not_a_stream_batch_then_kept_and_nothing_invoked(lambda_client, capsys):
    queue_url = create_stack()
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps({"hello": "world"}))

    assert script.main(["--stack", STACK, "reconcile", "--from-dlq"]) == 1
    assert lambda_client.calls == []
    assert "not a stream batch" in capsys.readouterr().out


def test_given_more_ids_than_one_invocation_takes_then_sent_in_parts_and_summed(lambda_client, monkeypatch, capsys):
    from shop.search.administration import service as search_admin

    monkeypatch.setattr(search_admin, "MAX_RECONCILE_IDS", 2)
    create_stack()
    ids = sorted(str(uuid.uuid4()) for _ in range(5))
    lambda_client.answers = [
        {"ok": True, "action": "reconcile", **report(indexed=2)},
        {"ok": False, "action": "reconcile", **report(indexed=1, failed={ids[3]: "403 blocked"})},
        {"ok": True, "action": "reconcile", **report(indexed=1)},
    ]

    assert script.main(["--stack", STACK, "reconcile", "--ids", *ids]) == 1
    assert [payload["ids"] for payload in lambda_client.payloads] == [ids[:2], ids[2:4], ids[4:]]
    out = capsys.readouterr().out
    assert "indexed 4, deleted 0, already current 0, failed 1, malformed in the table 0" in out
    assert f"  failed {ids[3]}: 403 blocked" in out
