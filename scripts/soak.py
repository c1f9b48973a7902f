"""`make soak`: minutes of mixed traffic from concurrent shoppers and an admin against the local stack, then the
shop's invariants checked. Figures only: not part of `make test`.

    python -m scripts.soak [--minutes 5] [--clients 16] [--url http://127.0.0.1:3000 [--state-dir .local]]

Without --url it starts a stack of its own on free ports (devstack.launcher) and stops it afterwards; with --url
it drives a running one (`make dev`), minting tokens with that stack's dev issuer (its --state-dir) and comparing
its search index through that stack's env.json.

The traffic: browsing the catalog (pages, products), search (all sorts, facets), carts (put, remove, read),
checkouts (a fresh Idempotency-Key each), cancels of one's own orders, and admin writes (price changes with
If-Match, products created and deleted). The soak creates the products it sells; nothing else changes their stock.

Then, checked:
- no 5xx answer;
- no stock ever seen below zero, and each product's stock equal to initial - placed + cancelled, counted from
  every shopper's orders as the API lists them (and those equal to what the shoppers were answered);
- every order priced as committed: each line at a price the product had while the checkout ran, line and order
  totals adding up, the order as stored equal to the order as answered;
- the search index equal to the table (scripts/search_index.py check), once the stream trigger caught up.

Reported: requests, answers by status, p50/p99 latency per route. Exit status 1 when an invariant fails.
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devstack.issuer import DevIssuer

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
CATEGORIES = ["soak-audio", "soak-kitchen", "soak-garden", "soak-books"]
WORDS = ["wireless", "enamel", "garden", "paper", "steel", "linen", "walnut", "copper"]
# Initial stock per product: scarce ones run out (checkouts answered 409), plenty ones never do.
STOCKS = [3, 8, 25, 400]
PRODUCTS_PER_CATEGORY = 6
ADDRESS = {"name": "Soak Tester", "line1": "1 Load Street", "city": "London", "postal_code": "N1 1AA", "country": "GB"}


@dataclass
class PriceChange:
    started: float
    ended: float
    price: int


@dataclass
class Product:
    id: str
    initial_stock: int
    initial_price: int
    changes: list[PriceChange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def prices_during(self, started: float, ended: float) -> set[int]:
        """Every price the product may have had at some moment between `started` and `ended`."""
        settled = [change for change in self.changes if change.ended < started]
        prices = {settled[-1].price if settled else self.initial_price}
        return prices | {change.price for change in self.changes if change.started < ended and change.ended >= started}


@dataclass
class Placed:
    order: dict[str, Any]
    started: float
    ended: float


class Recorder:
    """Every call's route, status and duration; every order answered; the lowest stock seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, int, float]] = []
        self.placed: dict[str, Placed] = {}
        self.cancelled: set[str] = set()
        self.lowest_stock: tuple[int, str] | None = None
        self.transport_errors: Counter[str] = Counter()

    def call(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.calls.append((route, status, seconds))

    def saw_stock(self, product: dict[str, Any]) -> None:
        with self.lock:
            if self.lowest_stock is None or product["stock"] < self.lowest_stock[0]:
                self.lowest_stock = (product["stock"], product["id"])


class Client:
    """One HTTP client (its own connection) speaking for one user."""

    def __init__(self, url: str, token: str, recorder: Recorder) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.recorder = recorder

    def request(self, method: str, route: str, path: str | None = None, **kwargs: Any) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(method, f"{self.url}{path or route}", timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            self.recorder.transport_errors[f"{method} {route}: {type(error).__name__}"] += 1
            return None
        self.recorder.call(f"{method} {route}", response.status_code, time.monotonic() - started)
        return response


class Shopper:
    """A customer browsing, searching, filling a cart, checking out and now and then cancelling."""

    def __init__(self, client: Client, products: list[Product], rng: random.Random) -> None:
        self.client, self.products, self.rng = client, products, rng
        self.orders: list[str] = []

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.25:
            self.browse()
        elif roll < 0.45:
            self.search()
        elif roll < 0.75:
            self.fill_cart()
        elif roll < 0.90:
            self.checkout()
        else:
            self.cancel()

    def browse(self) -> None:
        if self.rng.random() < 0.5:
            product = self.rng.choice(self.products)
            response = self.client.request("GET", "/products/{id}", f"/products/{product.id}")
            if response is not None and response.status_code == 200:
                self.client.recorder.saw_stock(response.json())
            return
        params: dict[str, Any] = {"limit": self.rng.choice([5, 20, 50])}
        if self.rng.random() < 0.7:
            params["category"] = self.rng.choice(CATEGORIES)
        for _ in range(self.rng.randint(1, 3)):  # a page or a few
            response = self.client.request("GET", "/products", params=params)
            if response is None or response.status_code != 200:
                return
            page = response.json()
            for item in page["items"]:
                self.client.recorder.saw_stock(item)
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    def search(self) -> None:
        params: dict[str, Any] = {
            "q": self.rng.choice([*WORDS, ""]),
            "sort": self.rng.choice(["relevance", "price_asc", "price_desc", "newest"]),
            "limit": self.rng.choice([5, 10, 20]),
        }
        if self.rng.random() < 0.3:
            params["in_stock"] = "true"
        if self.rng.random() < 0.3:
            params["category"] = self.rng.choice(CATEGORIES)
        for _ in range(self.rng.randint(1, 2)):
            response = self.client.request("GET", "/search", params=params)
            if response is None or response.status_code != 200:
                return
            results = response.json()
            for hit in results["items"]:
                self.client.recorder.saw_stock(hit)
            if not results.get("next_cursor"):
                return
            params["cursor"] = results["next_cursor"]

    def fill_cart(self) -> None:
        roll = self.rng.random()
        if roll < 0.7:
            product = self.rng.choice(self.products)
            self.client.request(
                "PUT",
                "/cart/items/{id}",
                f"/cart/items/{product.id}",
                json={"quantity": self.rng.randint(1, 3)},
            )
        elif roll < 0.85:
            product = self.rng.choice(self.products)
            self.client.request("DELETE", "/cart/items/{id}", f"/cart/items/{product.id}")
        else:
            self.client.request("GET", "/cart")

    def checkout(self) -> None:
        started = time.monotonic()
        response = self.client.request(
            "POST",
            "/orders",
            json={"shipping_address": ADDRESS},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response is not None and response.status_code == 201:
            order = response.json()
            with self.client.recorder.lock:
                self.client.recorder.placed[order["id"]] = Placed(order, started, time.monotonic())
            self.orders.append(order["id"])

    def cancel(self) -> None:
        if not self.orders:
            self.client.request("GET", "/orders", params={"limit": 10})
            return
        order_id = self.rng.choice(self.orders)
        response = self.client.request("POST", "/orders/{id}/cancel", f"/orders/{order_id}/cancel")
        if response is not None and response.status_code == 200:
            with self.client.recorder.lock:
                self.client.recorder.cancelled.add(order_id)
            self.orders.remove(order_id)


class Admin:
    """The shop's admin: price changes (If-Match on the version just read), products created and deleted."""

    def __init__(self, client: Client, products: list[Product], rng: random.Random) -> None:
        self.client, self.products, self.rng = client, products, rng
        self.scratch: list[str] = []

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.6:
            self.change_price(self.rng.choice(self.products))
        elif roll < 0.8 or not self.scratch:
            response = self.client.request("POST", "/products", json=product_body("soak-scratch", 10, 999))
            if response is not None and response.status_code == 201:
                self.scratch.append(response.json()["id"])
        else:
            product_id = self.scratch.pop(self.rng.randrange(len(self.scratch)))
            self.client.request("DELETE", "/products/{id}", f"/products/{product_id}")

    def change_price(self, product: Product) -> None:
        # One change at a time per product, so that its price history is a sequence.
        with product.lock:
            read = self.client.request("GET", "/products/{id}", f"/products/{product.id}")
            if read is None or read.status_code != 200:
                return
            price = self.rng.randrange(100, 10000)
            started = time.monotonic()
            response = self.client.request(
                "PATCH",
                "/products/{id}",
                f"/products/{product.id}",
                json={"price_cents": price},
                headers={"If-Match": f'"{read.json()["version"]}"'},
            )
            if response is None:  # unknown whether it applied: it may have, from now on
                product.changes.append(PriceChange(started, float("inf"), price))
            elif response.status_code == 200:
                product.changes.append(PriceChange(started, time.monotonic(), price))


def product_body(category: str, stock: int, price: int) -> dict[str, Any]:
    return {
        "name": f"{random.choice(WORDS).title()} {random.choice(['Mug', 'Lamp', 'Chair', 'Kettle', 'Book'])}",
        "description": f"{random.choice(WORDS)} {random.choice(WORDS)} for soaking",
        "category": category,
        "brand": "Soak",
        "price_cents": price,
        "stock": stock,
        "tags": [random.choice(WORDS)],
    }


def create_catalog(admin: Client, rng: random.Random) -> list[Product]:
    products = []
    for category in CATEGORIES:
        for index in range(PRODUCTS_PER_CATEGORY):
            stock, price = STOCKS[index % len(STOCKS)], rng.randrange(100, 10000)
            response = admin.request("POST", "/products", json=product_body(category, stock, price))
            if response is None or response.status_code != 201:
                raise SystemExit(f"could not create the soak's products: {response and response.text}")
            products.append(Product(response.json()["id"], stock, price))
    return products


def run_traffic(
    url: str, issuer: DevIssuer, minutes: float, clients: int, seed: int
) -> tuple[Recorder, list[Product], dict[str, str]]:
    """Drive the traffic; the recorder, the soak's products and each shopper's token by user."""
    recorder = Recorder()
    admin_client = Client(url, issuer.mint("soak-admin", ["admin"], ttl_seconds=24 * 3600), recorder)
    products = create_catalog(admin_client, random.Random(seed))
    recorder.calls.clear()  # the figures are the soak's traffic, not its setup
    shoppers = {
        f"soak-{uuid.uuid4().hex[:8]}-{number}": number for number in range(clients - 1)
    }  # one client is the admin
    tokens = {user: issuer.mint(user, ["customer"], ttl_seconds=24 * 3600) for user in shoppers}
    shopper_clients = {user: Client(url, token, recorder) for user, token in tokens.items()}
    actors: list[Shopper | Admin] = [
        Shopper(client, products, random.Random(seed + number + 1))
        for number, client in enumerate(shopper_clients.values())
    ]
    actors.append(Admin(admin_client, products, random.Random(seed)))
    deadline = time.monotonic() + minutes * 60

    def drive(actor: Shopper | Admin) -> None:
        while time.monotonic() < deadline:
            actor.step()

    threads = [threading.Thread(target=drive, args=(actor,), daemon=True) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, products, tokens


def listed_orders(client: Client) -> list[dict[str, Any]]:
    orders, params = [], {"limit": 100}
    while True:
        response = client.request("GET", "/orders", params=params)
        if response is None or response.status_code != 200:
            raise RuntimeError(f"could not list orders: {response and response.text}")
        page = response.json()
        orders.extend(page["items"])
        if not page.get("next_cursor"):
            return orders
        params["cursor"] = page["next_cursor"]


def check_invariants(
    url: str, recorder: Recorder, products: list[Product], tokens: dict[str, str], search_check: Callable[[], bool]
) -> dict[str, list[str]]:
    """Each invariant's violations (empty: held). The checks' own calls are not part of the figures."""
    checker = Recorder()
    statuses = Counter(status for _, status, _ in recorder.calls)
    violations: dict[str, list[str]] = {
        "no 5xx": [f"{count} x {status}" for status, count in sorted(statuses.items()) if status >= 500],
        "stock never negative": [],
        "stock = initial - placed + cancelled": [],
        "orders as answered": [],
        "orders priced as committed": [],
        "index equal to table": [],
    }
    if recorder.lowest_stock is not None and recorder.lowest_stock[0] < 0:
        violations["stock never negative"].append(f"product {recorder.lowest_stock[1]}: {recorder.lowest_stock[0]}")

    orders = [order for token in tokens.values() for order in listed_orders(Client(url, token, checker))]
    placed: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    for order in orders:
        for line in order["items"]:
            placed[line["product_id"]] += line["quantity"]
            if order["status"] == "CANCELLED":
                cancelled[line["product_id"]] += line["quantity"]
    by_id = {product.id: product for product in products}
    for product in products:
        response = requests.get(f"{url}/products/{product.id}", timeout=TIMEOUT)
        stock = response.json()["stock"]
        expected = product.initial_stock - placed[product.id] + cancelled[product.id]
        if stock < 0:
            violations["stock never negative"].append(f"product {product.id}: {stock} at the end")
        if stock != expected:
            violations["stock = initial - placed + cancelled"].append(
                f"product {product.id}: stock {stock}, expected {product.initial_stock} - {placed[product.id]}"
                f" + {cancelled[product.id]} = {expected}"
            )

    stored = {order["id"]: order for order in orders}
    if set(stored) != set(recorder.placed):
        violations["orders as answered"].append(
            f"listed but never answered 201: {sorted(set(stored) - set(recorder.placed))[:10]}; "
            f"answered 201 but not listed: {sorted(set(recorder.placed) - set(stored))[:10]}"
        )
    wrongly_cancelled = {
        order_id for order_id in recorder.cancelled if stored.get(order_id, {}).get("status") != "CANCELLED"
    }
    if wrongly_cancelled:
        violations["orders as answered"].append(f"cancelled (200) but not CANCELLED: {sorted(wrongly_cancelled)[:10]}")
    for order_id, placed_order in recorder.placed.items():
        order = stored.get(order_id)
        if order is None:
            continue
        if order["items"] != placed_order.order["items"] or order["total_cents"] != placed_order.order["total_cents"]:
            violations["orders priced as committed"].append(f"order {order_id}: stored lines differ from the answer")
        if order["total_cents"] != sum(line["line_total_cents"] for line in order["items"]):
            violations["orders priced as committed"].append(f"order {order_id}: total is not the sum of its lines")
        for line in order["items"]:
            if line["line_total_cents"] != line["unit_price_cents"] * line["quantity"]:
                violations["orders priced as committed"].append(f"order {order_id}: line total != price x quantity")
            product = by_id.get(line["product_id"])
            if product is not None:
                prices = product.prices_during(placed_order.started, placed_order.ended)
                if line["unit_price_cents"] not in prices:
                    violations["orders priced as committed"].append(
                        f"order {order_id}: {line['product_id']} at {line['unit_price_cents']}, "
                        f"its prices during checkout {sorted(prices)}"
                    )
    if not search_check():
        violations["index equal to table"].append("scripts.search_index check found differences (printed above)")
    return violations


def index_check(env_file: Path, within_seconds: float = 60) -> Callable[[], bool]:
    """scripts.search_index check against the stack of `env_file`, until it passes or time runs out (the stream
    trigger indexes each write within a second or so)."""

    def check() -> bool:
        deadline = time.monotonic() + within_seconds
        command = [sys.executable, "-m", "scripts.search_index", "--local", "--env-file", str(env_file), "check"]
        while True:
            result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
            if result.returncode == 0 or time.monotonic() > deadline:
                print(result.stdout.strip() or result.stderr.strip()[-2000:])
                return result.returncode == 0
            time.sleep(3)

    return check


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(recorder: Recorder, minutes: float, clients: int, violations: dict[str, list[str]]) -> None:
    total = len(recorder.calls)
    statuses = Counter(status for _, status, _ in recorder.calls)
    print(f"\nsoak: {clients} clients, {minutes:g} min, {total} requests ({total / (minutes * 60):.1f}/s)")
    print("answers by status: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))
    if recorder.transport_errors:
        print("transport errors: " + ", ".join(f"{name}: {n}" for name, n in recorder.transport_errors.items()))
    by_route: dict[str, list[float]] = defaultdict(list)
    route_statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for route, status, seconds in recorder.calls:
        by_route[route].append(seconds * 1000)
        route_statuses[route][status] += 1
    print(f"\n{'route':32} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for route in sorted(by_route):
        durations = by_route[route]
        codes = " ".join(f"{status}:{n}" for status, n in sorted(route_statuses[route].items()))
        print(
            f"{route:32} {len(durations):9} {statistics.median(durations):8.0f} "
            f"{percentile(durations, 0.99):8.0f}  {codes}"
        )
    print(f"\norders placed {len(recorder.placed)}, cancelled {len(recorder.cancelled)}")
    print(f"lowest stock seen: {recorder.lowest_stock[0] if recorder.lowest_stock else 'none'}")
    print("\ninvariants:")
    for name, found in violations.items():
        print(f"  {'ok  ' if not found else 'FAIL'} {name}")
        for line in found[:20]:
            print(f"       {line}")


@contextmanager
def target_stack(url: str | None, state_dir: Path | None) -> Iterator[tuple[str, Path]]:
    """(API URL, state dir) of the stack to soak: the running one named, or one of our own."""
    if url:
        yield url.rstrip("/"), state_dir or REPO_ROOT / ".local"
        return
    from devstack.launcher import StackFailed, running_stack

    with tempfile.TemporaryDirectory(prefix="soak-") as directory:
        print("starting a local stack of its own ...", flush=True)
        try:
            with running_stack(Path(directory)) as stack:
                yield stack.url, stack.state_dir
        except StackFailed as error:
            raise SystemExit(str(error)) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients, one of them the admin")
    parser.add_argument("--url", help="a running local stack's API (default: start one of our own)")
    parser.add_argument("--state-dir", type=Path, help="that stack's --state-dir (default: .local)")
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args(argv)
    if args.clients < 2:
        parser.error("--clients must be at least 2: one admin, one shopper")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with target_stack(args.url, args.state_dir) as (url, state_dir):
        issuer = DevIssuer(state_dir)
        print(f"soaking {url} for {args.minutes:g} min with {args.clients} clients ...", flush=True)
        recorder, products, tokens = run_traffic(url, issuer, args.minutes, args.clients, args.seed)
        print("traffic done; checking the invariants ...", flush=True)
        violations = check_invariants(url, recorder, products, tokens, index_check(state_dir / "env.json"))
    report(recorder, args.minutes, args.clients, violations)
    return 1 if any(violations.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
