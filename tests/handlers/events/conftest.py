"""The event functions in moto's account: the template's tables, a bus with a queue that sees every event."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from shop.common import clients
from shop.events import settings, wiring

BUS = "shop-test"
TOPIC = "stock-alerts"


def clear_event_caches() -> None:
    for cached in (
        settings.publisher_settings,
        settings.mail_settings,
        settings.live_status_settings,
        settings.alert_settings,
        wiring.event_bus,
        wiring.mailer,
        wiring.user_directory,
        wiring.connections,
        wiring.pusher,
        wiring.alerts,
        wiring.consumer_records,
        clients.aws_client,
    ):
        # A test may have replaced one with a fake (monkeypatch puts the cached one back afterwards).
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


ENVIRONMENT = {
    "EVENT_BUS_NAME": BUS,
    "STOCK_LOW_THRESHOLD": "5",
    "MAIL_FROM": "orders@example.com",
    "ORDER_PLACED_TEMPLATE": "order-placed",
    "ORDER_STATUS_TEMPLATE": "order-status",
    "ORDER_CANCELLED_TEMPLATE": "order-cancelled",
    "LOCAL_USER_EMAIL_DOMAIN": "shop.test",
    "CONNECTIONS_TABLE_NAME": "LiveConnectionsTable",
    "WEBSOCKET_MANAGEMENT_ENDPOINT": "https://abc123.execute-api.us-east-1.amazonaws.com/live",
    "ALERTS_TOPIC_ARN": f"arn:aws:sns:us-east-1:123456789012:{TOPIC}",
}


def configure_event_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event function's settings, as the template sets them, pointing at moto (inside mock_aws)."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    clear_event_caches()


@pytest.fixture
def events_env(table, monkeypatch) -> Iterator[None]:
    configure_event_functions(monkeypatch)
    yield
    clear_event_caches()


@pytest.fixture
def bus_events(events_env) -> Callable[[], list[dict[str, Any]]]:
    """The events that reached the bus: a rule on it sends every shop event to a queue; reading drains it."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=BUS)
    url = sqs.create_queue(QueueName="bus-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="everything", EventBusName=BUS, EventPattern=json.dumps({"source": [{"prefix": "shop."}]}))
    events.put_targets(Rule="everything", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        received = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return received

    return read


def stream_records(table_name: str) -> list[dict[str, Any]]:
    """Every record of the table's stream so far (moto's DynamoDB Streams), oldest first."""
    streams = boto3.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records.extend(streams.get_records(ShardIterator=iterator)["Records"])
    # As Lambda delivers them: JSON, the creation time in epoch seconds.
    for record in records:
        record["dynamodb"]["ApproximateCreationDateTime"] = int(
            record["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        )
    return [json.loads(json.dumps(record)) for record in records]


def eventbridge_event(detail: dict[str, Any], detail_type: str, source: str = "shop.commerce") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-27T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
