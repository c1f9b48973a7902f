"""shop.observability's business counts, and checkout telling it of an order only when one was placed."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

from shop import observability
from shop.commerce_models import CheckoutRequest, ShippingAddress
from shop.errors import OutOfStock
from shop.models import ProductCreate
from shop.services import carts, orders, products
from tests.commerce_fakes import FakeCommerceStore, InMemoryIdempotencyStore

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB")


def emf_documents(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{") and '"_aws"' in line]


@pytest.fixture(autouse=True)
def no_metrics_left_over():
    observability.metrics.clear_metrics()
    yield
    observability.metrics.clear_metrics()


# Counts


def test_given_plain_count_then_it_waits_for_the_handler_flush_with_the_service_dimension_only(capsys):
    observability.count("ProductsCreated")
    observability.count("ProductsCreated")
    assert emf_documents(capsys.readouterr().out) == []
    observability.metrics.flush_metrics()
    [document] = emf_documents(capsys.readouterr().out)
    assert document["ProductsCreated"] == [1.0, 1.0]
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ShopTests" and directive["Dimensions"] == [["service"]]
    assert directive["Metrics"] == [{"Name": "ProductsCreated", "Unit": "Count"}]


def test_given_count_with_a_dimension_then_published_at_once_apart_from_the_other_metrics(capsys):
    observability.count("OrdersCancelled")
    observability.count("OrderStatusChanged", status="SHIPPED")
    [document] = emf_documents(capsys.readouterr().out)
    assert document["OrderStatusChanged"] == [1.0] and document["status"] == "SHIPPED"
    assert document["service"] == "shop-tests" and "OrdersCancelled" not in document
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ShopTests" and sorted(directive["Dimensions"][0]) == ["service", "status"]
    observability.metrics.flush_metrics()
    [rest] = emf_documents(capsys.readouterr().out)
    assert rest["OrdersCancelled"] == [1.0] and "status" not in rest


def _namespace_with(environment: dict[str, str]) -> str:
    code = "from shop.observability import NAMESPACE; print(NAMESPACE)"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO_ROOT / "layers" / "shared"), **environment}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_given_namespace_in_environment_then_used_and_without_one_the_shop_default():
    assert _namespace_with({"POWERTOOLS_METRICS_NAMESPACE": "ShopStaging"}) == "ShopStaging"
    assert _namespace_with({}) == "Shop"


# Checkout tells of an order it placed, once, and never of one it only answered again


@pytest.fixture
def store():
    return FakeCommerceStore()


@pytest.fixture
def clock():
    ticks = count()
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def cart(store, clock):
    """Ada's cart, holding two of a product."""
    body = {"name": "Kettle", "category": "kitchen", "price_cents": 2999, "stock": 4}
    kettle = products.create_product(ProductCreate.model_validate(body), store=store.catalog, clock=clock)
    carts.set_cart_line("ada", kettle.id, 2, store=store, clock=clock)
    return kettle


def request(key="key-1"):
    return CheckoutRequest(user_id="ada", idempotency_key=key, shipping_address=ADDRESS)


def test_given_cart_when_order_placed_then_told_once_of_the_committed_order(store, clock, cart):
    placed = []
    order = orders.place_order(request(), store=store, clock=clock, on_placed=placed.append)
    assert placed == [order] and order.items[0].quantity == 2


def test_given_committed_checkout_when_run_again_without_its_idempotency_record_then_not_told_again(store, clock, cart):
    orders.place_order(request(), store=store, clock=clock)
    again = []
    orders.place_order(request(), store=store, clock=clock, on_placed=again.append)
    assert again == []


def test_given_cart_changing_once_when_placing_then_told_only_of_the_attempt_that_committed(store, clock, cart):
    store.cart_changes_before_place = 1
    placed = []
    order = orders.place_order(request(), store=store, clock=clock, back_off=lambda _: None, on_placed=placed.append)
    assert store.place_calls == 2 and placed == [order]


def test_given_telling_fails_when_order_placed_then_the_committed_order_is_still_returned(store, clock, cart):
    def broken(_order):
        raise RuntimeError("metrics are down")

    order = orders.place_order(request(), store=store, clock=clock, on_placed=broken)
    assert order.items[0].quantity == 2
    assert store.orders.get(order.id) == order


def test_given_short_stock_when_placing_then_not_told(store, clock, cart):
    carts.set_cart_line("ada", cart.id, 5, store=store, clock=clock)
    placed = []
    with pytest.raises(OutOfStock):
        orders.place_order(request(), store=store, clock=clock, on_placed=placed.append)
    assert placed == []


class Invocation:
    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def test_given_checkout_when_replayed_with_its_key_then_told_of_the_first_only(store, clock, cart):
    config = IdempotencyConfig(
        event_key_jmespath="[user_id, idempotency_key]", payload_validation_jmespath="shipping_address"
    )
    config.register_lambda_context(Invocation())
    persistence, placed = InMemoryIdempotencyStore(), []
    first = orders.checkout(request(), store=store, persistence=persistence, config=config, on_placed=placed.append)
    carts.set_cart_line("ada", cart.id, 1, store=store, clock=clock)
    replay = orders.checkout(request(), store=store, persistence=persistence, config=config, on_placed=placed.append)
    assert replay == first and placed == [first]
