"""Cart and order rules against in-memory stores, idempotency included."""

import uuid

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from pydantic import TypeAdapter

from shop.catalog import service as products
from shop.catalog.errors import ProductNotFound
from shop.catalog.models import ProductCreate
from shop.commerce import carts, orders, retries
from shop.commerce import checkout as checkouts
from shop.commerce.errors import (
    CartEmpty,
    CartFull,
    CheckoutUnavailable,
    IdempotencyKeyReused,
    InvalidTransition,
    MixedCurrencies,
    OrderNotFound,
    OutOfStock,
    RequestInProgress,
    TooManyConflicts,
)
from shop.commerce.models import MAX_CART_LINES, CheckoutRequest, OrderId, ShippingAddress
from shop.common.errors import InvalidCursor, WriteConflict
from tests.doubles.commerce import FakeCommerceStore, InMemoryIdempotencyStore

KEY = b"service-tests-cursor-signing-key-0123456789"
ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB")
OTHER_ADDRESS = ShippingAddress(name="Ada", line1="2 Main St", city="London", postal_code="N1", country="GB")


def new_product(store, clock, **fields):
    body = {"name": "Kettle", "category": "kitchen", "price_cents": 2999, "stock": 4, **fields}
    return products.create_product(ProductCreate.model_validate(body), store=store.catalog, clock=clock)


def request(user="ada", key="key-1", address=ADDRESS):
    return CheckoutRequest(user_id=user, idempotency_key=key, shipping_address=address)


def place(store, clock, user="ada"):
    """A checkout under a key of its own (one key places one order)."""
    return checkouts.place_order(request(user, key=str(uuid.uuid4())), store=store, clock=clock)


# Carts


def test_given_products_when_setting_lines_then_cart_priced_now_sorted_and_totalled(store, clock):
    kettle = new_product(store, clock, name="Kettle", price_cents=2999)
    apron = new_product(store, clock, name="Apron", price_cents=1500)
    carts.set_cart_line("ada", kettle.id, 2, store=store, clock=clock)
    cart = carts.set_cart_line("ada", apron.id, 3, store=store, clock=clock)
    assert [(line.name, line.quantity, line.line_total_cents) for line in cart.items] == [
        ("Apron", 3, 4500),
        ("Kettle", 2, 5998),
    ]
    assert cart.total_cents == 10498
    products.update_product(kettle.id, products.ProductUpdate(price_cents=1000), store=store.catalog)
    assert carts.view_cart("ada", store=store).total_cents == 4500 + 2000


def test_given_existing_line_when_setting_again_then_quantity_replaced_not_added(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 2, store=store, clock=clock)
    cart = carts.set_cart_line("ada", kettle.id, 5, store=store, clock=clock)
    assert [line.quantity for line in cart.items] == [5]


def test_given_unknown_product_when_setting_line_then_not_found_and_cart_untouched(store, clock):
    with pytest.raises(ProductNotFound):
        carts.set_cart_line("ada", "0b4c7a1e-3f6d-4a5b-9c8d-000000000000", 1, store=store, clock=clock)
    assert "ada" not in store.carts


def test_given_full_cart_when_adding_another_product_then_cart_full_but_existing_lines_still_change(store, clock):
    ids = [new_product(store, clock, name=f"P{i}").id for i in range(MAX_CART_LINES + 1)]
    for product_id in ids[:MAX_CART_LINES]:
        carts.set_cart_line("ada", product_id, 1, store=store, clock=clock)
    with pytest.raises(CartFull):
        carts.set_cart_line("ada", ids[-1], 1, store=store, clock=clock)
    assert carts.set_cart_line("ada", ids[0], 7, store=store, clock=clock).items[0].quantity == 7


def test_given_deleted_product_when_viewing_cart_then_its_line_drops_out(store, clock):
    kettle, apron = new_product(store, clock), new_product(store, clock, name="Apron")
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    carts.set_cart_line("ada", apron.id, 1, store=store, clock=clock)
    products.delete_product(kettle.id, store=store.catalog)
    assert [line.product_id for line in carts.view_cart("ada", store=store).items] == [apron.id]


def test_given_line_when_removing_twice_then_gone_both_times(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    assert carts.remove_cart_line("ada", kettle.id, store=store, clock=clock).items == []
    assert carts.remove_cart_line("ada", kettle.id, store=store, clock=clock).items == []


def test_given_two_users_then_carts_are_separate(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    assert carts.view_cart("bob", store=store).items == []


# Checkout


def test_given_cart_when_placing_order_then_snapshot_stock_taken_version_bumped_cart_emptied(store, clock):
    kettle = new_product(store, clock, price_cents=2999, stock=4)
    carts.set_cart_line("ada", kettle.id, 3, store=store, clock=clock)
    order = place(store, clock)
    assert (order.status, order.total_cents, order.currency, order.user_id) == ("PLACED", 8997, "USD", "ada")
    assert [(line.name, line.unit_price_cents, line.quantity) for line in order.items] == [("Kettle", 2999, 3)]
    after = store.catalog.products[kettle.id]
    assert (after.stock, after.version) == (1, 2)
    assert carts.view_cart("ada", store=store).items == []
    products.update_product(kettle.id, products.ProductUpdate(name="Renamed", price_cents=1), store=store.catalog)
    assert orders.get_order(order.id, "ada", store=store).items[0].name == "Kettle"


def test_given_empty_cart_when_placing_order_then_cart_empty(store, clock):
    with pytest.raises(CartEmpty):
        place(store, clock)


def test_given_cart_of_deleted_products_only_when_placing_order_then_cart_empty(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    products.delete_product(kettle.id, store=store.catalog)
    with pytest.raises(CartEmpty):
        place(store, clock)


def test_given_short_line_when_placing_order_then_out_of_stock_names_it_and_nothing_changes(store, clock):
    plenty, scarce = new_product(store, clock, stock=9), new_product(store, clock, name="Scarce", stock=1)
    carts.set_cart_line("ada", plenty.id, 2, store=store, clock=clock)
    carts.set_cart_line("ada", scarce.id, 2, store=store, clock=clock)
    with pytest.raises(OutOfStock) as raised:
        place(store, clock)
    assert raised.value.product_ids == [scarce.id]
    assert store.catalog.products[plenty.id].stock == 9 and store.orders == {}
    assert len(carts.view_cart("ada", store=store).items) == 2


def test_given_mixed_currencies_when_placing_order_then_refused(store, clock):
    dollars, euros = new_product(store, clock), new_product(store, clock, name="Euro", currency="EUR")
    carts.set_cart_line("ada", dollars.id, 1, store=store, clock=clock)
    carts.set_cart_line("ada", euros.id, 1, store=store, clock=clock)
    with pytest.raises(MixedCurrencies):
        place(store, clock)


def test_given_cart_changing_once_during_checkout_then_retried_from_a_fresh_read_after_a_pause(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    store.cart_changes_before_place = 1
    pauses = []
    assert checkouts.place_order(request(), store=store, clock=clock, back_off=pauses.append).status == "PLACED"
    assert store.place_calls == 2 and pauses == [1]


def test_given_cart_changing_on_every_attempt_then_conflict_after_bounded_attempts(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    store.cart_changes_before_place = 99
    pauses = []
    with pytest.raises(TooManyConflicts):
        checkouts.place_order(request(), store=store, clock=clock, back_off=pauses.append)
    assert store.place_calls == retries.MAX_CHECKOUT_ATTEMPTS and pauses == [1, 2]


class Meanwhile(FakeCommerceStore):
    """The fake store, with `meanwhile` run once just before the first `place`: what other requests do
    between the checkout's reads and its transaction."""

    def __init__(self, store, meanwhile):
        super().__init__(store.catalog)
        self.carts, self.orders = store.carts, store.orders
        self.meanwhile = meanwhile

    def place(self, order, cart_revision, now):
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        super().place(order, cart_revision, now)


def test_given_cart_checked_out_and_refilled_during_a_stale_checkout_then_old_lines_not_ordered_twice(store, clock):
    a, b = new_product(store, clock, name="A", stock=5), new_product(store, clock, name="B", stock=5)
    carts.set_cart_line("ada", a.id, 1, store=store, clock=clock)

    def other_checkout_then_refill():
        checkouts.place_order(request(key="k2"), store=store, clock=clock)
        carts.set_cart_line("ada", b.id, 1, store=store, clock=clock)

    stale = checkouts.place_order(request(key="k1"), store=Meanwhile(store, other_checkout_then_refill), clock=clock)
    assert [line.product_id for line in stale.items] == [b.id]
    assert (store.catalog.products[a.id].stock, store.catalog.products[b.id].stock) == (4, 4)
    assert carts.view_cart("ada", store=store).items == []


def test_given_price_changed_during_checkout_then_retried_and_charged_the_new_price(store, clock):
    kettle = new_product(store, clock, price_cents=2999)
    carts.set_cart_line("ada", kettle.id, 2, store=store, clock=clock)

    def reprice():
        products.update_product(kettle.id, products.ProductUpdate(price_cents=3500), store=store.catalog)

    order = checkouts.place_order(request(), store=Meanwhile(store, reprice), clock=clock, back_off=lambda _: None)
    assert (order.items[0].unit_price_cents, order.total_cents) == (3500, 7000)


def test_given_product_deleted_during_checkout_then_its_line_drops_out_not_out_of_stock(store, clock):
    kettle, apron = new_product(store, clock), new_product(store, clock, name="Apron")
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    carts.set_cart_line("ada", apron.id, 1, store=store, clock=clock)

    def delete():
        products.delete_product(kettle.id, store=store.catalog)

    order = checkouts.place_order(request(), store=Meanwhile(store, delete), clock=clock, back_off=lambda _: None)
    assert [line.product_id for line in order.items] == [apron.id]


def test_given_user_and_key_then_order_id_is_a_stable_uuid4_of_both():
    order_id = checkouts.order_id_for("ada", "key-1")
    assert TypeAdapter(OrderId).validate_python(order_id) == order_id
    assert checkouts.order_id_for("ada", "key-1") == order_id
    others = {
        checkouts.order_id_for("bob", "key-1"),
        checkouts.order_id_for("ada", "key-2"),
        checkouts.order_id_for("ad", "akey-1"),
    }
    assert order_id not in others and len(others) == 3


@pytest.mark.parametrize("refilled", [True, False])
def test_given_committed_checkout_when_run_again_without_its_idempotency_record_then_same_order_nothing_changes(
    store, clock, refilled
):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    first = checkouts.place_order(request(), store=store, clock=clock)
    if refilled:
        carts.set_cart_line("ada", kettle.id, 2, store=store, clock=clock)
    again = checkouts.place_order(request(), store=store, clock=clock)
    assert again == first and len(store.orders) == 1
    assert store.catalog.products[kettle.id].stock == 3
    assert [line.quantity for line in carts.view_cart("ada", store=store).items] == ([2] if refilled else [])


def test_given_committed_checkout_when_same_key_comes_back_with_another_address_then_key_reused(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    checkouts.place_order(request(), store=store, clock=clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    with pytest.raises(IdempotencyKeyReused):
        checkouts.place_order(request(address=OTHER_ADDRESS), store=store, clock=clock)
    assert len(store.orders) == 1 and store.catalog.products[kettle.id].stock == 3


class Monotonic:
    """A monotonic clock that moves only when told to: each back-off pause advances it by `step` seconds."""

    def __init__(self, step):
        self.now, self.step, self.pauses = 0.0, step, []

    def __call__(self):
        return self.now

    def back_off(self, attempt):
        self.pauses.append(attempt)
        self.now += self.step


def test_given_transaction_conflicts_beyond_cart_attempts_then_retried_separately_and_placed(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    store.transaction_conflicts = retries.MAX_CHECKOUT_ATTEMPTS + 2
    timer = Monotonic(step=0.01)
    order = checkouts.place_order(request(), store=store, clock=clock, back_off=timer.back_off, monotonic=timer)
    assert order.status == "PLACED" and store.catalog.products[kettle.id].stock == 3
    assert store.place_calls == retries.MAX_CHECKOUT_ATTEMPTS + 3
    assert timer.pauses == list(range(1, retries.MAX_CHECKOUT_ATTEMPTS + 3))


def test_given_endless_transaction_conflicts_then_too_many_conflicts_after_bounded_attempts(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    store.transaction_conflicts = 10**6
    timer = Monotonic(step=0.0)
    with pytest.raises(TooManyConflicts):
        checkouts.place_order(request(), store=store, clock=clock, back_off=timer.back_off, monotonic=timer)
    assert store.place_calls == retries.MAX_TRANSACTION_CONFLICTS and store.orders == {}


def test_given_transaction_conflicts_past_the_time_budget_then_too_many_conflicts(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    store.transaction_conflicts = 10**6
    timer = Monotonic(step=retries.CONFLICT_BUDGET_SECONDS / 2)
    with pytest.raises(TooManyConflicts):
        checkouts.place_order(request(), store=store, clock=clock, back_off=timer.back_off, monotonic=timer)
    assert store.place_calls == 3 < retries.MAX_TRANSACTION_CONFLICTS


def test_given_transaction_conflicts_when_cancelling_then_retried_and_cancelled(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    order = place(store, clock)
    store.transaction_conflicts = retries.MAX_CHECKOUT_ATTEMPTS + 1
    timer = Monotonic(step=0.01)
    cancelled = orders.cancel_order(order.id, "ada", store=store, clock=clock, back_off=timer.back_off, monotonic=timer)
    assert cancelled.status == "CANCELLED" and store.cancel_calls == retries.MAX_CHECKOUT_ATTEMPTS + 2
    assert store.catalog.products[kettle.id].stock == 4


class ChangingCart(FakeCommerceStore):
    """A cart store whose writes and product reads keep losing races, as CommerceTable reports them."""

    def set_line(self, user_id, product_id, quantity, max_lines, now):
        raise WriteConflict("the cart kept changing")

    def get_products(self, product_ids):
        raise WriteConflict("products could not be read")


def test_given_cart_store_conflicting_then_every_cart_operation_answers_too_many_conflicts(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    changing = ChangingCart(store.catalog)
    changing.carts = store.carts
    with pytest.raises(TooManyConflicts):
        carts.set_cart_line("ada", kettle.id, 2, store=changing, clock=clock)
    with pytest.raises(TooManyConflicts):
        carts.view_cart("ada", store=changing)
    with pytest.raises(TooManyConflicts):
        carts.remove_cart_line("ada", "0b4c7a1e-3f6d-4a5b-9c8d-000000000000", store=changing, clock=clock)


# Idempotent checkout


class Invocation:
    """A Lambda context: Powertools ends an in-progress record when the invocation would time out."""

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def idempotency():
    config = IdempotencyConfig(
        event_key_jmespath="[user_id, idempotency_key]", payload_validation_jmespath="shipping_address"
    )
    config.register_lambda_context(Invocation())
    return InMemoryIdempotencyStore(), config


def checkout(store, idempotency, req):
    persistence, config = idempotency
    return checkouts.checkout(req, store=store, persistence=persistence, config=config)


def test_given_same_key_and_body_when_checking_out_twice_then_same_order_and_one_decrement(store, clock, idempotency):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    first = checkout(store, idempotency, request())
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)  # a new cart must not be ordered by a replay
    second = checkout(store, idempotency, request())
    assert second == first
    assert len(store.orders) == 1 and store.catalog.products[kettle.id].stock == 3


def test_given_same_key_and_other_body_when_checking_out_then_key_reused(store, clock, idempotency):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    checkout(store, idempotency, request())
    with pytest.raises(IdempotencyKeyReused):
        checkout(store, idempotency, request(address=OTHER_ADDRESS))


def test_given_same_key_from_two_users_then_two_orders(store, clock, idempotency):
    kettle = new_product(store, clock)
    for user in ("ada", "bob"):
        carts.set_cart_line(user, kettle.id, 1, store=store, clock=clock)
    ada, bob = checkout(store, idempotency, request("ada")), checkout(store, idempotency, request("bob"))
    assert ada.id != bob.id and (ada.user_id, bob.user_id) == ("ada", "bob")


def test_given_failed_checkout_when_retried_with_same_key_then_it_runs_again(store, clock, idempotency):
    kettle = new_product(store, clock)
    with pytest.raises(CartEmpty):
        checkout(store, idempotency, request())
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    assert checkout(store, idempotency, request()).status == "PLACED"


def test_given_checkout_in_progress_when_same_key_arrives_then_request_in_progress(store, clock, idempotency):
    persistence, config = idempotency
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    seen = []

    class ReentrantStore(FakeCommerceStore):
        def place(self, order, cart_revision, now):
            with pytest.raises(RequestInProgress):  # the same key, while the first is still running
                checkouts.checkout(request(), store=self, persistence=persistence, config=config)
            seen.append(order.id)
            super().place(order, cart_revision, now)

    reentrant = ReentrantStore(store.catalog)
    reentrant.carts = store.carts
    assert checkout(reentrant, idempotency, request()).id == seen[0]


class BrokenIdempotencyStore(InMemoryIdempotencyStore):
    """The idempotency table unreachable: every record write fails as boto3 would."""

    def _put_record(self, data_record):
        raise ConnectionError("idempotency table unreachable")


def test_given_idempotency_records_unavailable_when_checking_out_then_checkout_unavailable_and_nothing_placed(
    store, clock, idempotency
):
    _, config = idempotency
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    with pytest.raises(CheckoutUnavailable):
        checkouts.checkout(request(), store=store, persistence=BrokenIdempotencyStore(), config=config)
    assert store.orders == {} and store.catalog.products[kettle.id].stock == 4


# Reading, cancelling, fulfilment


def test_given_order_then_owner_and_admin_see_it_and_others_get_not_found(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    order = place(store, clock)
    assert orders.get_order(order.id, "ada", store=store) == order
    assert orders.get_order(order.id, "root", is_admin=True, store=store) == order
    with pytest.raises(OrderNotFound):
        orders.get_order(order.id, "bob", store=store)
    with pytest.raises(OrderNotFound):
        orders.cancel_order(order.id, "bob", store=store, clock=clock)
    assert store.orders[order.id].status == "PLACED"


def test_given_orders_when_listing_pages_then_own_only_newest_first_once(store, clock):
    kettle = new_product(store, clock, stock=100)
    placed = []
    for user in ("ada", "bob", "ada", "ada", "ada", "bob", "ada"):
        carts.set_cart_line(user, kettle.id, 1, store=store, clock=clock)
        placed.append(place(store, clock, user))
    seen, cursor = [], None
    while True:
        page = orders.list_orders("ada", limit=2, cursor=cursor, store=store, cursor_key=KEY)
        seen += [o.id for o in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == [o.id for o in reversed(placed) if o.user_id == "ada"]


def test_given_cursor_of_another_user_when_listing_then_invalid_cursor(store, clock):
    kettle = new_product(store, clock, stock=100)
    for _ in range(3):
        carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
        place(store, clock)
    cursor = orders.list_orders("ada", limit=1, store=store, cursor_key=KEY).next_cursor
    with pytest.raises(InvalidCursor):
        orders.list_orders("bob", limit=1, cursor=cursor, store=store, cursor_key=KEY)


def test_given_placed_order_when_cancelled_then_stock_back_once_and_second_cancel_refused(store, clock):
    kettle = new_product(store, clock, stock=4)
    carts.set_cart_line("ada", kettle.id, 3, store=store, clock=clock)
    order = place(store, clock)
    cancelled = orders.cancel_order(order.id, "ada", store=store, clock=clock)
    assert cancelled.status == "CANCELLED" and cancelled.updated_at > order.updated_at
    after = store.catalog.products[kettle.id]
    assert (after.stock, after.updated_at) == (4, cancelled.updated_at)
    with pytest.raises(InvalidTransition):
        orders.cancel_order(order.id, "ada", store=store, clock=clock)
    assert store.catalog.products[kettle.id].stock == 4


def test_given_placed_order_when_admin_cancels_then_cancelled(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    order = place(store, clock)
    assert orders.cancel_order(order.id, "root", is_admin=True, store=store, clock=clock).status == "CANCELLED"


@pytest.mark.parametrize(
    ("steps", "target", "allowed"),
    [
        ([], "SHIPPED", True),
        ([], "DELIVERED", False),
        (["SHIPPED"], "DELIVERED", True),
        (["SHIPPED"], "SHIPPED", False),
        (["SHIPPED", "DELIVERED"], "SHIPPED", False),
        (["SHIPPED", "DELIVERED"], "DELIVERED", False),
        (["CANCEL"], "SHIPPED", False),
    ],
)
def test_given_order_status_when_moving_on_then_only_forward_steps_allowed(store, clock, steps, target, allowed):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    order = place(store, clock)
    for step in steps:
        if step == "CANCEL":
            orders.cancel_order(order.id, "ada", store=store, clock=clock)
        else:
            orders.update_order_status(order.id, step, store=store, clock=clock)
    if allowed:
        assert orders.update_order_status(order.id, target, store=store, clock=clock).status == target
    else:
        with pytest.raises(InvalidTransition):
            orders.update_order_status(order.id, target, store=store, clock=clock)


def test_given_shipped_order_when_cancelling_then_refused(store, clock):
    kettle = new_product(store, clock)
    carts.set_cart_line("ada", kettle.id, 1, store=store, clock=clock)
    order = place(store, clock)
    orders.update_order_status(order.id, "SHIPPED", store=store, clock=clock)
    with pytest.raises(InvalidTransition):
        orders.cancel_order(order.id, "ada", store=store, clock=clock)


def test_given_unknown_order_when_updating_status_then_not_found(store, clock):
    with pytest.raises(OrderNotFound):
        orders.update_order_status("0b4c7a1e-3f6d-4a5b-9c8d-000000000000", "SHIPPED", store=store, clock=clock)
