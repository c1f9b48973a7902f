"""Checkout tells of an order it placed, once, and never of one it only answered again."""

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

from shop.catalog import service as products
from shop.catalog.models import ProductCreate
from shop.commerce import carts
from shop.commerce import checkout as checkouts
from shop.commerce.errors import OutOfStock
from shop.commerce.models import CheckoutRequest, ShippingAddress
from tests.doubles.commerce import InMemoryIdempotencyStore

ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB")


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
    order = checkouts.place_order(request(), store=store, clock=clock, on_placed=placed.append)
    assert placed == [order] and order.items[0].quantity == 2


def test_given_committed_checkout_when_run_again_without_its_idempotency_record_then_not_told_again(store, clock, cart):
    checkouts.place_order(request(), store=store, clock=clock)
    again = []
    checkouts.place_order(request(), store=store, clock=clock, on_placed=again.append)
    assert again == []


def test_given_cart_changing_once_when_placing_then_told_only_of_the_attempt_that_committed(store, clock, cart):
    store.cart_changes_before_place = 1
    placed = []
    order = checkouts.place_order(request(), store=store, clock=clock, back_off=lambda _: None, on_placed=placed.append)
    assert store.place_calls == 2 and placed == [order]


def test_given_telling_fails_when_order_placed_then_the_committed_order_is_still_returned(store, clock, cart):
    def broken(_order):
        raise RuntimeError("metrics are down")

    order = checkouts.place_order(request(), store=store, clock=clock, on_placed=broken)
    assert order.items[0].quantity == 2
    assert store.orders.get(order.id) == order


def test_given_short_stock_when_placing_then_not_told(store, clock, cart):
    carts.set_cart_line("ada", cart.id, 5, store=store, clock=clock)
    placed = []
    with pytest.raises(OutOfStock):
        checkouts.place_order(request(), store=store, clock=clock, on_placed=placed.append)
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
    first = checkouts.checkout(request(), store=store, persistence=persistence, config=config, on_placed=placed.append)
    carts.set_cart_line("ada", cart.id, 1, store=store, clock=clock)
    replay = checkouts.checkout(request(), store=store, persistence=persistence, config=config, on_placed=placed.append)
    assert replay == first and placed == [first]
