"""Helpers shared by the commerce end-to-end tests."""

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
TIMEOUT = 60  # generous: a burst of cold starts shares this machine's few cores


def assert_problem(response: requests.Response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    if slug is not None:
        assert problem["type"] == f"urn:shop:problem:{slug}", problem
    assert "Traceback" not in response.text
    return problem


@dataclass
class Shopper:
    """One signed-in customer of the local stack, with a fresh user id."""

    url: str
    headers: dict[str, str]
    user_id: str

    def cart(self) -> requests.Response:
        return requests.get(f"{self.url}/cart", headers=self.headers, timeout=TIMEOUT)

    def put(self, product_id: str, quantity: int) -> requests.Response:
        return requests.put(
            f"{self.url}/cart/items/{product_id}", json={"quantity": quantity}, headers=self.headers, timeout=TIMEOUT
        )

    def remove(self, product_id: str) -> requests.Response:
        return requests.delete(f"{self.url}/cart/items/{product_id}", headers=self.headers, timeout=TIMEOUT)

    def checkout(self, key: str | None = None, address: dict | None = None) -> requests.Response:
        headers = {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}
        return requests.post(
            f"{self.url}/orders", json={"shipping_address": address or ADDRESS}, headers=headers, timeout=TIMEOUT
        )

    def orders(self, **params: object) -> requests.Response:
        return requests.get(f"{self.url}/orders", params=params, headers=self.headers, timeout=TIMEOUT)

    def order(self, order_id: str) -> requests.Response:
        return requests.get(f"{self.url}/orders/{order_id}", headers=self.headers, timeout=TIMEOUT)

    def cancel(self, order_id: str) -> requests.Response:
        return requests.post(f"{self.url}/orders/{order_id}/cancel", headers=self.headers, timeout=TIMEOUT)


def shopper(stack, groups: list[str] | None = None) -> Shopper:
    user_id = f"shopper-{uuid.uuid4().hex[:12]}"
    return Shopper(stack.url, stack.auth(user_id, groups or ["customer"]), user_id)


def new_product(stack, admin, **fields) -> dict:
    body = {
        "name": "Enamel Mug",
        "category": f"commerce-{uuid.uuid4().hex[:6]}",
        "price_cents": 1200,
        "stock": 10,
        **fields,
    }
    response = requests.post(f"{stack.url}/products", json=body, headers=admin, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()


def product(stack, product_id: str) -> dict:
    response = requests.get(f"{stack.url}/products/{product_id}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def together[T](calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls on threads of their own, released at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def warm_up(call: Callable[[], object], widths: tuple[int, ...] = (2, 4, 8, 16)) -> None:
    """Start a function's workers (up to 16 locally) a few at a time, answers ignored: a burst of cold starts
    on a small shared machine can outlast the function's 10 s timeout, which is not what a test is about."""
    for width in widths:
        together([call] * width)
