"""Commerce properties under concurrency, through the local stack: API Gateway emulation, the
user-pool authorizer, up to 16 worker processes per function, and a DynamoDB that is atomic per request as DynamoDB is.

Each test releases its requests together (a barrier), so they overlap in the functions; each would fail
if the property broke (the oversell test was checked to fail with the stock condition removed).
"""

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.commerce import TIMEOUT, new_product, product, shopper, together, warm_up

BUYERS = 40
STOCK = 10


def test_given_40_buyers_for_10_in_stock_when_checking_out_at_once_then_exactly_10_orders_stock_0(stack, admin):
    item = new_product(stack, admin, name="Last Ten", stock=STOCK)
    buyers = [shopper(stack) for _ in range(BUYERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(r.status_code == 200 for r in pool.map(lambda b: b.put(item["id"], 1), buyers))
    warm_up(shopper(stack).checkout)  # an empty cart: 422, and nothing changes

    responses = together([buyer.checkout for buyer in buyers])

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: STOCK, 409: BUYERS - STOCK}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all(item["id"] in r.json()["detail"] for r in responses if r.status_code == 409)
    after = product(stack, item["id"])
    assert after["stock"] == 0
    assert after["version"] == 1 + STOCK  # one version per sale: the search index sees every stock change
    orders = [o for buyer in buyers for o in buyer.orders().json()["items"]]
    assert len(orders) == STOCK and sum(o["items"][0]["quantity"] for o in orders) == STOCK
    winners = {r.json()["id"] for r in responses if r.status_code == 201}
    assert {o["id"] for o in orders} == winners


def test_given_one_checkout_sent_20_times_at_once_then_in_sequence_then_one_order_one_decrement(stack, admin):
    item = new_product(stack, admin, stock=10)
    ada = shopper(stack)
    ada.put(item["id"], 2)
    key = str(uuid.uuid4())
    warm_up(shopper(stack).checkout)

    concurrent = together([lambda: ada.checkout(key)] * 20)
    sequential = [ada.checkout(key) for _ in range(20)]

    # Those that overlap the first find its order when their own transaction is refused (or the cart read
    # empty): every one answers that order, none places one of its own.
    assert all(r.status_code == 201 for r in concurrent + sequential), [r.text for r in concurrent + sequential]
    created = {r.json()["id"] for r in concurrent + sequential}
    assert len(created) == 1, created
    assert [o["id"] for o in ada.orders().json()["items"]] == list(created)
    after = product(stack, item["id"])
    assert (after["stock"], after["version"]) == (8, 2)


def test_given_placed_orders_when_each_is_cancelled_twice_at_once_then_stock_restored_exactly_once(stack, admin):
    item = new_product(stack, admin, stock=20)
    ada = shopper(stack)
    orders = []
    for _ in range(4):
        ada.put(item["id"], 3)
        orders.append(ada.checkout().json()["id"])
    assert product(stack, item["id"])["stock"] == 8
    warm_up(lambda: ada.cancel(str(uuid.UUID(int=0, version=4))), widths=(2, 4, 8))  # 404, nothing changes

    responses = together([lambda order_id=order_id: ada.cancel(order_id) for order_id in orders for _ in range(2)])

    for first, second in zip(responses[::2], responses[1::2], strict=True):
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    after = product(stack, item["id"])
    assert (after["stock"], after["version"]) == (20, 1 + 4 + 4)
    assert all(ada.order(order_id).json()["status"] == "CANCELLED" for order_id in orders)


def test_given_cart_being_edited_during_checkout_then_order_matches_a_cart_that_existed(stack, admin):
    item = new_product(stack, admin, stock=100)
    ada = shopper(stack)
    ada.put(item["id"], 1)
    responses = together([ada.checkout, lambda: ada.put(item["id"], 7)])
    checkout, edit = responses
    assert edit.status_code == 200
    remaining = product(stack, item["id"])["stock"]
    if checkout.status_code == 201:
        ordered = checkout.json()["items"][0]["quantity"]
        assert ordered in (1, 7) and remaining == 100 - ordered
        cart = ada.cart().json()["items"]
        # Either the edit came after the checkout (a new cart of 7), or before it (ordered 7, cart empty).
        assert (ordered, [line["quantity"] for line in cart]) in ((1, [7]), (7, []))
    else:
        assert checkout.status_code == 409 and remaining == 100
    requests.delete(f"{stack.url}/products/{item['id']}", headers=admin, timeout=TIMEOUT)
