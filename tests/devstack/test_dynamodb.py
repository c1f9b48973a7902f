"""devstack.dynamodb: the local DynamoDB keeps DynamoDB's atomicity under concurrent requests, and counts them."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests
from botocore.config import Config

from devstack.common import free_port
from devstack.dynamodb import COUNTS_PATH, SerialisedMotoServer

WRITERS = 24


# moto's backends are per process, not per server: each test gets a table of its own.
TABLE = f"Counters-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def dynamodb():
    port = free_port()
    server = SerialisedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(max_pool_connections=2 * WRITERS),
    )  # fmt: skip
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk in ("counter", "blocker"):
        client.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "n": {"N": "0"}})
    yield client, endpoint
    client.delete_table(TableName=TABLE)
    server.stop()


def increment(client):
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "counter"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ]
    )


def doomed(client):
    """A transaction that is always cancelled: moto rolls it back by restoring the table as it found it."""
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "counter"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "blocker"}},
                        "UpdateExpression": "SET n = n + :one",
                        "ConditionExpression": "n < :zero",
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
                    }
                },
            ]
        )


def test_given_concurrent_commits_and_cancelled_transactions_then_no_committed_write_is_lost(dynamodb):
    # Plain moto (ThreadedMotoServer) loses increments here: a cancelled transaction restores its start-time
    # copy of the table over writes committed meanwhile.
    client, _ = dynamodb
    with ThreadPoolExecutor(max_workers=2 * WRITERS) as pool:
        jobs = [pool.submit(increment if i % 2 else doomed, client) for i in range(4 * WRITERS)]
        for job in jobs:
            job.result()
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]
    assert int(item["n"]["N"]) == 2 * WRITERS


def test_given_requests_then_counted_by_full_target_so_stream_polling_is_told_apart(dynamodb):
    client, endpoint = dynamodb
    table, streams, arn, shard = streamed_table(client, "Counted")
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    before = requests.get(endpoint + COUNTS_PATH, timeout=10).json()
    client.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}})
    increment(client)
    streams.get_records(ShardIterator=iterator["ShardIterator"])
    after = requests.get(endpoint + COUNTS_PATH, timeout=10).json()

    def delta(target):
        return after.get(target, 0) - before.get(target, 0)

    assert delta("DynamoDB_20120810.GetItem") == 1
    assert delta("DynamoDB_20120810.TransactWriteItems") == 1
    assert delta("DynamoDBStreams_20120810.GetRecords") == 1
    assert "GetItem" not in after and "GetRecords" not in after
    client.delete_table(TableName=table)


def streamed_table(client, prefix: str):
    """A table of its own with a stream, the streams client, and the stream's (only) shard."""
    table = f"{prefix}-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    streams = boto3.client(
        "dynamodbstreams", endpoint_url=client.meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return table, streams, arn, shard


def test_given_streams_when_transactions_commit_and_cancel_then_stream_holds_exactly_the_committed_writes(dynamodb):
    # Stream records are shared by moto's rollback copies (devstack.dynamodb): a cancelled transaction must
    # still leave no record behind, and a committed one must keep its own.
    client, _ = dynamodb
    table, streams, arn, shard = streamed_table(client, "Streamed")
    put = {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}}}}
    client.transact_write_items(TransactItems=[put])
    failing = {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}, "ConditionExpression": "attribute_exists(pk)"}}
    other = {"Put": {"TableName": table, "Item": {"pk": {"S": "c"}}}}
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[other, failing])
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "d"}}}}])
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["a", "d"]
    client.delete_table(TableName=table)


def test_given_an_open_shard_iterator_when_a_transaction_is_cancelled_then_it_still_reads_later_writes(dynamodb):
    # The stream trigger holds its iterator across requests; moto's rollback used to swap the shard under it,
    # and nothing written after a cancelled checkout ever reached the search index.
    client, _ = dynamodb
    table, streams, arn, shard = streamed_table(client, "Followed")
    client.put_item(TableName=table, Item={"pk": {"S": "before"}})
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    first = streams.get_records(ShardIterator=iterator)

    cancelled = {"Put": {"TableName": table, "Item": {"pk": {"S": "cancelled"}}}}
    failing = {"Put": {"TableName": table, "Item": {"pk": {"S": "x"}}, "ConditionExpression": "attribute_exists(pk)"}}
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[cancelled, failing])
    client.put_item(TableName=table, Item={"pk": {"S": "after"}})
    later = streams.get_records(ShardIterator=first["NextShardIterator"])

    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in first["Records"]] == ["before"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in later["Records"]] == ["after"]
    client.delete_table(TableName=table)


def test_given_requests_on_two_tables_when_counts_asked_for_one_then_only_the_requests_naming_it_count(dynamodb):
    client, endpoint = dynamodb
    other, _streams, _arn, _shard = streamed_table(client, "Other")

    def on(table):
        return requests.get(endpoint + COUNTS_PATH, params={"table": table}, timeout=10).json()

    before, before_other = on(TABLE), on(other)
    client.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}})
    increment(client)
    client.batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": "counter"}}]}})
    client.put_item(TableName=other, Item={"pk": {"S": "elsewhere"}})
    after, after_other = on(TABLE), on(other)

    def delta(now, then):
        return {target: count - then.get(target, 0) for target, count in now.items() if count != then.get(target, 0)}

    assert delta(after, before) == {
        "DynamoDB_20120810.GetItem": 1,
        "DynamoDB_20120810.TransactWriteItems": 1,
        "DynamoDB_20120810.BatchGetItem": 1,
    }
    assert delta(after_other, before_other) == {"DynamoDB_20120810.PutItem": 1}
    assert on("NoSuchTable") == {}
    client.delete_table(TableName=other)
