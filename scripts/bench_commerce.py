"""Commerce figures for `make bench`, measured on a local stack of their own.

1. DynamoDB round trips per request of each commerce route, counted by the local DynamoDB itself
   (devstack.dynamodb counts requests per X-Amz-Target): requests are sent one at a time and the counts read
   before and after each. Only DynamoDB's own API on the shop's table is counted: the local stream trigger polls
   the same server (DynamoDBStreams_20120810.GetRecords, DescribeStream) every 0.1 s, and the event consumers
   write their own tables (idempotency records, WebSocket connections) while a request runs; neither is the
   request's round trip.
2. Checkout latency: POST /orders of a 3-line cart (each shopper fills its cart untimed, then checks out
   timed); p50 and p99, for one shopper alone and for CLIENTS concurrent shoppers. The local DynamoDB
   serves one request at a time and copies a table for every transaction (moto's rollback), so the
   concurrent figure measures mostly that queue, not the function.
"""

import os
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from devstack.dynamodb import COUNTS_PATH
from scripts.bench_search import p50_p99

CHECKOUTS = int(os.environ.get("BENCH_CHECKOUTS", "200"))
CLIENTS = 8
LINES = 3
# The X-Amz-Target prefix of DynamoDB's API (not DynamoDB Streams', which the stream trigger polls).
DYNAMODB_TARGET = "DynamoDB_20120810."
ADDRESS = {"name": "Bench", "line1": "1 Bench St", "city": "Benchton", "postal_code": "B1", "country": "GB"}


class Stack:
    def __init__(self, api: str, dynamodb: str, state: Path, table: str) -> None:
        from devstack.issuer import DevIssuer

        self.api, self.dynamodb, self.table = api, dynamodb, table
        self.issuer = DevIssuer(state)
        self.admin = self.auth("bench-admin", ["admin"])

    def auth(self, user: str, groups: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(user, groups)}"}

    def counts(self) -> Counter[str]:
        """DynamoDB API requests on the shop's table so far, by operation (stream polling left out)."""
        targets = requests.get(self.dynamodb + COUNTS_PATH, params={"table": self.table}, timeout=30).json()
        return Counter(
            {
                target.removeprefix(DYNAMODB_TARGET): count
                for target, count in targets.items()
                if target.startswith(DYNAMODB_TARGET)
            }
        )

    def product(self) -> str:
        body = {"name": f"Bench {uuid.uuid4().hex[:6]}", "category": "bench", "price_cents": 999, "stock": 10**9}
        response = requests.post(f"{self.api}/products", json=body, headers=self.admin, timeout=30)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


def round_trips(stack: Stack) -> list[tuple[str, int, Counter[str]]]:
    """(route, status, DynamoDB requests by operation) for one request of each commerce route."""
    products = [stack.product() for _ in range(LINES)]
    user = stack.auth(f"bench-{uuid.uuid4().hex[:8]}", ["customer"])
    key = str(uuid.uuid4())
    results: list[tuple[str, int, Counter[str]]] = []

    def measured(label: str, method: str, path: str, **kwargs: object) -> requests.Response:
        before = stack.counts()
        response = requests.request(method, stack.api + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        after = stack.counts()
        results.append((label, response.status_code, after - before))
        return response

    for index, product_id in enumerate(products):
        label = "PUT /cart/items/{id} (new cart)" if index == 0 else "PUT /cart/items/{id}"
        measured(label, "PUT", f"/cart/items/{product_id}", json={"quantity": 1}, headers=user)
    measured("GET /cart (3 lines)", "GET", "/cart", headers=user)
    measured("DELETE /cart/items/{id}", "DELETE", f"/cart/items/{products[0]}", headers=user)
    requests.put(f"{stack.api}/cart/items/{products[0]}", json={"quantity": 1}, headers=user, timeout=30)
    checkout = {"json": {"shipping_address": ADDRESS}, "headers": {**user, "Idempotency-Key": key}}
    order = measured("POST /orders (3 lines)", "POST", "/orders", **checkout).json()
    measured("POST /orders (replayed key)", "POST", "/orders", **checkout)
    measured("GET /orders", "GET", "/orders", headers=user)
    measured("GET /orders/{id}", "GET", f"/orders/{order['id']}", headers=user)
    measured(
        "PUT /orders/{id}/status",
        "PUT",
        f"/orders/{order['id']}/status",
        json={"status": "SHIPPED"},
        headers=stack.admin,
    )
    requests.put(f"{stack.api}/cart/items/{products[0]}", json={"quantity": 1}, headers=user, timeout=30)
    second = requests.post(
        f"{stack.api}/orders",
        json={"shipping_address": ADDRESS},
        headers={**user, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    ).json()
    measured("POST /orders/{id}/cancel (1 line)", "POST", f"/orders/{second['id']}/cancel", headers=user)
    return results


def checkout_latency(stack: Stack, clients: int, checkouts: int) -> list[float]:
    products = [stack.product() for _ in range(LINES)]
    shoppers = [stack.auth(f"bench-shopper-{i}-{uuid.uuid4().hex[:6]}", ["customer"]) for i in range(clients)]
    sessions = [requests.Session() for _ in range(clients)]

    def one(index: int, warm_up: bool = False) -> float:
        user, session = shoppers[index % clients], sessions[index % clients]
        for product_id in products:
            session.put(f"{stack.api}/cart/items/{product_id}", json={"quantity": 1}, headers=user, timeout=30)
        headers = {**user, "Idempotency-Key": str(uuid.uuid4())}
        start = time.perf_counter()
        response = session.post(f"{stack.api}/orders", json={"shipping_address": ADDRESS}, headers=headers, timeout=30)
        elapsed = time.perf_counter() - start
        assert warm_up or response.status_code == 201, response.text
        return elapsed

    with ThreadPoolExecutor(max_workers=clients) as pool:
        # Warm the function's workers gradually, unmeasured: a burst of cold starts on a small shared machine
        # can outlast the function's timeout, and a timed-out worker is replaced by a cold one.
        for width in [width for width in (1, 2, 4) if width < clients] + [clients, clients]:
            list(pool.map(lambda index: one(index, warm_up=True), range(width)))
        # Then rounds of `clients` checkouts, one per shopper: no two threads fill the same cart at once.
        samples: list[float] = []
        for start in range(0, checkouts, clients):
            samples += pool.map(one, range(start, min(start + clients, checkouts)))
    return samples


def commerce_bench() -> None:
    from devstack.__main__ import SHOP_TABLE
    from devstack.launcher import running_stack

    with tempfile.TemporaryDirectory() as state, running_stack(Path(state)) as running:
        stack = Stack(running.url, running.dynamodb_url, Path(state), SHOP_TABLE)
        trips = round_trips(stack)
        alone = p50_p99(checkout_latency(stack, 1, CHECKOUTS // 4))
        loaded = p50_p99(checkout_latency(stack, CLIENTS, CHECKOUTS))
    print("\nCommerce: DynamoDB round trips per request (counted by the local DynamoDB, one request at a time)")
    for label, status, counts in trips:
        detail = ", ".join(f"{operation} {count}" for operation, count in sorted(counts.items()))
        print(f"  {label:36s} {status}  {sum(counts.values()):2d}   {detail}")
    print(f"\nCommerce: POST /orders of a {LINES}-line cart via the local stack (each shopper fills its cart, untimed)")
    for label, (p50, p99) in (
        (f"{CHECKOUTS // 4} checkouts, 1 shopper", alone),
        (f"{CHECKOUTS} checkouts, {CLIENTS} concurrent shoppers", loaded),
    ):
        print(f"  {label:44s} p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms")


if __name__ == "__main__":
    commerce_bench()
