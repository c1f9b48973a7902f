"""Order-event figures for `make bench`.

1. Publisher: one 100-record stream batch of order writes through the publisher's batch processor to EventBridge
   (moto's, in process): put_events calls per batch (EventBridge takes 10 entries a call, so ten) and the time per
   batch, median of RUNS batches.
2. Event latency on a local stack of its own: ORDERS checkouts one after another, each by a shopper watching the
   live-status WebSocket; from the order's commit (its `created_at`) to the push reaching the socket, and to the
   e-mail reaching the local mailbox (its `sent_at`). The path is the whole local one: stream poller, publisher,
   local bus, the consumers' cold or warm local processes. p50 and p95.
"""

import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from scripts.bench_search import quantile

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ORDERS = int(os.environ.get("BENCH_EVENT_ORDERS", "20"))
BATCH = 100
TIMEOUT = 60
ADDRESS = {"name": "Bench", "line1": "1 Bench St", "city": "Benchton", "postal_code": "B1", "country": "GB"}


def publisher_figures() -> tuple[int, float]:
    """put_events calls and median seconds for one batch of BATCH order writes."""
    import boto3
    from aws_lambda_powertools.utilities.batch import process_partial_response
    from moto import mock_aws

    from shop.common.clients import aws_client
    from shop.events.adapters.eventbridge import EventBridgeBus
    from shop.events.publishing import PublishProcessor, event_of_record
    from tests.unit.events.records import batch, order, record

    records = batch(
        *(record(n, "INSERT", order(order_id=f"{n:08x}-4e5f-4a6b-8c7d-99aabbccddee")) for n in range(1, BATCH + 1))
    )
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws_client.cache_clear()
        boto3.client("events").create_event_bus(Name="bench")
        processor = PublishProcessor(EventBridgeBus("bench"))
        durations = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = process_partial_response(event=records, record_handler=event_of_record(5), processor=processor)
            durations.append(time.perf_counter() - started)
            assert response == {"batchItemFailures": []}, response
        aws_client.cache_clear()
    return processor.calls, statistics.median(durations)


def _moment(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def event_latencies() -> tuple[list[float], list[float]]:
    """Seconds from each order's commit to its live-status push, and to its e-mail in the mailbox."""
    from websockets.sync.client import connect

    from devstack.__main__ import LOCAL_USER_EMAIL_DOMAIN
    from devstack.launcher import running_stack

    pushes: list[float] = []
    mails: list[float] = []
    with tempfile.TemporaryDirectory() as state, running_stack(Path(state)) as stack:
        admin = stack.auth("bench-admin", ["admin"])
        product = requests.post(
            f"{stack.url}/products",
            json={"name": "Bench Mug", "category": "bench", "price_cents": 900, "stock": 10 * ORDERS},
            headers=admin,
            timeout=TIMEOUT,
        ).json()
        for _ in range(ORDERS):
            user = f"bench-{uuid.uuid4().hex[:10]}"
            headers = stack.auth(user, ["customer"])
            requests.put(
                f"{stack.url}/cart/items/{product['id']}", json={"quantity": 1}, headers=headers, timeout=TIMEOUT
            ).raise_for_status()
            with connect(f"{stack.ws_url}/live?token={stack.token(user, ['customer'])}", proxy=None) as socket:
                placed = requests.post(
                    f"{stack.url}/orders",
                    json={"shipping_address": ADDRESS},
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                    timeout=TIMEOUT,
                )
                placed.raise_for_status()
                committed = _moment(placed.json()["created_at"])
                json.loads(socket.recv(timeout=TIMEOUT))
                pushes.append(time.time() - committed)
            mails.append(_mail_sent(stack.mail_url, f"{user}@{LOCAL_USER_EMAIL_DOMAIN}") - committed)
    return pushes, mails


def _mail_sent(mail_url: str, address: str) -> float:
    until = time.monotonic() + TIMEOUT
    while time.monotonic() < until:
        messages: list[dict[str, Any]] = requests.get(f"{mail_url}/messages.json", timeout=TIMEOUT).json()
        for message in messages:
            if address in json.dumps(message.get("to")):
                return _moment(message["sent_at"])
        time.sleep(0.05)
    raise TimeoutError(f"no e-mail to {address} within {TIMEOUT} s")


def main() -> None:
    calls, seconds = publisher_figures()
    print(f"\nOrder events: publisher, one {BATCH}-record stream batch to EventBridge (moto, in process)")
    print(
        f"  put_events calls per batch {calls:3d}   (at most 10 entries a call: ceil({BATCH}/10) = {-(-BATCH // 10)})"
    )
    print(f"  time per batch             {seconds * 1000:6.1f} ms   ({BATCH / seconds:,.0f} records/s)")
    pushes, mails = event_latencies()
    print(f"\nOrder events: order committed -> consumer done, {ORDERS} checkouts one at a time on the local stack")
    for label, samples in (("live-status push received", pushes), ("e-mail in the local mailbox", mails)):
        p50, p95 = statistics.median(samples), quantile(samples, 0.95)
        print(f"  {label:32s} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
