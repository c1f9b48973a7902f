"""Order events end to end on the local stack: the table's stream -> publisher -> bus -> consumers.

Checkout puts an e-mail in the local mailbox and a live status on the owner's WebSocket (and nothing on another
shopper's); marking the order shipped does both again; stock falling to the threshold raises one alert.
"""

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from devstack.__main__ import LOCAL_USER_EMAIL_DOMAIN
from tests.e2e.commerce import TIMEOUT, new_product, shopper

pytestmark = pytest.mark.e2e
DEADLINE = 60.0  # cold starts of four functions on a shared machine


def eventually(probe: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


def mails_to(stack, address: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{stack.mail_url}/messages.json", timeout=TIMEOUT).json()
    return [message for message in messages if address in json.dumps(message.get("to"))]


def live(stack, token: str) -> ClientConnection:
    return connect(f"{stack.ws_url}/live?token={token}", proxy=None, open_timeout=30)


def next_message(socket: ClientConnection, timeout: float = DEADLINE) -> dict[str, Any]:
    return json.loads(socket.recv(timeout=timeout))


@pytest.fixture(scope="module")
def alerts_queue(stack) -> Callable[[], list[dict[str, Any]]]:
    """An SQS queue subscribed to the local alert topic: what the admins' e-mail subscription would receive."""
    sqs = boto3.client("sqs", endpoint_url=stack.dynamodb_url, region_name="us-east-1")
    sns = boto3.client("sns", endpoint_url=stack.dynamodb_url, region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"alerts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    [topic] = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":StockAlertsTopic")]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    received: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return received

    return read


def test_given_a_shopper_watching_when_they_check_out_and_the_order_ships_then_mail_and_live_status_reach_only_them(
    stack, admin
):
    product = new_product(stack, admin, stock=50)
    owner, other = shopper(stack), shopper(stack)
    with (
        live(stack, stack.token(owner.user_id, ["customer"])) as mine,
        live(stack, stack.token(other.user_id, ["customer"])) as theirs,
    ):
        assert owner.put(product["id"], 2).status_code == 200
        placed = owner.checkout()
        assert placed.status_code == 201, placed.text
        order = placed.json()
        address = f"{owner.user_id}@{LOCAL_USER_EMAIL_DOMAIN}"

        pushed = next_message(mine)
        assert pushed == {"order_id": order["id"], "status": "PLACED", "updated_at": pushed["updated_at"]}
        [mail] = eventually(lambda: mails_to(stack, address), "the order-placed e-mail")
        assert order["id"] in mail["subject"] and "placed" in mail["subject"]
        assert "2 x Enamel Mug" in mail["text"] and "<table>" in mail["html"]

        shipped = requests.put(
            f"{stack.url}/orders/{order['id']}/status", json={"status": "SHIPPED"}, headers=admin, timeout=TIMEOUT
        )
        assert shipped.status_code == 200, shipped.text
        assert next_message(mine)["status"] == "SHIPPED"
        mails = eventually(lambda: [m for m in mails_to(stack, address) if "shipped" in m["subject"]], "shipped mail")
        assert len(mails) == 1

        # The other shopper's socket heard nothing of it.
        with pytest.raises(TimeoutError):
            theirs.recv(timeout=1)
    assert len(mails_to(stack, address)) == 2


def test_given_stock_above_the_threshold_when_an_order_takes_it_to_the_threshold_then_one_alert(
    stack, admin, alerts_queue
):
    product = new_product(stack, admin, stock=7, name=f"Kettle {uuid.uuid4().hex[:6]}")
    buyer = shopper(stack)
    assert buyer.put(product["id"], 2).status_code == 200
    assert buyer.checkout().status_code == 201

    def alerts_for_product() -> list[dict[str, Any]]:
        return [m for m in alerts_queue() if product["id"] in m.get("Message", "")]

    [alert] = eventually(alerts_for_product, "the low-stock alert")
    assert alert["Subject"].startswith("Low stock (5 left)")
    assert json.loads(alert["Message"])["alert"] == "ProductStockLow"
    time.sleep(3)  # a second alert, were there one, would have come by now
    assert len(alerts_for_product()) == 1


def test_given_an_expired_token_when_connecting_then_the_upgrade_is_refused(stack):
    expired = stack.token("someone", ["customer"], exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
    with pytest.raises(InvalidStatus) as refused:
        live(stack, expired)
    assert refused.value.response.status_code == 401


# Last in this file: while the stream trigger retries the poison record, the publisher's shard waits (seconds).
def test_given_a_poison_order_item_then_it_ends_in_the_publishers_queue_and_its_batch_mates_are_published(stack, admin):
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.dynamodb_url, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=stack.dynamodb_url, region_name="us-east-1")
    queue = sqs.get_queue_url(QueueName="PublisherDeadLetterQueue")["QueueUrl"]
    poison_id = str(uuid.uuid4())
    # An order item without lines or totals: no retry can make an event of it.
    dynamodb.put_item(
        TableName="ShopTable",
        Item={
            "pk": {"S": f"ORDER#{poison_id}"},
            "sk": {"S": "ORDER"},
            "id": {"S": poison_id},
            "status": {"S": "PLACED"},
        },
    )
    product = new_product(stack, admin, stock=50)
    buyer = shopper(stack)
    assert buyer.put(product["id"], 1).status_code == 200
    assert buyer.checkout().status_code == 201

    eventually(lambda: mails_to(stack, f"{buyer.user_id}@{LOCAL_USER_EMAIL_DOMAIN}"), "the batch-mate's e-mail")

    def dead_letters() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    [record] = eventually(dead_letters, "the poison record's on-failure record", deadline=120)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["DDBStreamBatchInfo"]["batchSize"] >= 1
