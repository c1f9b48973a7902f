"""The commerce contract over HTTP: carts, checkout and orders, every route and error."""

import uuid

import pytest
import requests

from tests.e2e.commerce import ADDRESS, TIMEOUT, assert_problem, new_product, product, shopper

UNKNOWN_ID = str(uuid.UUID(int=0, version=4))


def test_given_shopper_when_filling_cart_and_checking_out_then_order_stock_and_cart_follow(stack, admin):
    kettle = new_product(stack, admin, name="Copper Kettle", price_cents=4999, stock=5)
    mug = new_product(stack, admin, name="Enamel Mug", price_cents=1200, stock=10)
    ada = shopper(stack)
    assert ada.cart().json() == {"items": [], "total_cents": 0}
    assert ada.put(kettle["id"], 1).status_code == 200
    assert ada.put(mug["id"], 3).status_code == 200
    cart = ada.put(kettle["id"], 2).json()  # replaces the quantity
    assert [(line["name"], line["quantity"], line["line_total_cents"]) for line in cart["items"]] == [
        ("Copper Kettle", 2, 9998),
        ("Enamel Mug", 3, 3600),
    ]
    assert cart["total_cents"] == 13598 and ada.cart().json() == cart

    response = ada.checkout()
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["Location"] == f"/orders/{order['id']}"  # the local API has no stage prefix
    assert (order["status"], order["total_cents"], order["currency"], order["user_id"]) == (
        "PLACED",
        13598,
        "USD",
        ada.user_id,
    )
    assert order["shipping_address"]["city"] == "London" and order["created_at"] == order["updated_at"]
    assert {line["product_id"]: line["quantity"] for line in order["items"]} == {kettle["id"]: 2, mug["id"]: 3}
    after = product(stack, kettle["id"])
    assert (after["stock"], after["version"]) == (3, 2) and after["updated_at"] > kettle["updated_at"]
    assert product(stack, mug["id"])["stock"] == 7
    assert ada.cart().json() == {"items": [], "total_cents": 0}
    assert ada.order(order["id"]).json() == order
    assert [o["id"] for o in ada.orders().json()["items"]] == [order["id"]]


def test_given_order_when_catalog_changes_then_order_keeps_its_snapshot(stack, admin):
    item = new_product(stack, admin, name="Original", price_cents=1000)
    ada = shopper(stack)
    ada.put(item["id"], 1)
    order = ada.checkout().json()
    requests.patch(
        f"{stack.url}/products/{item['id']}", json={"name": "Renamed", "price_cents": 1}, headers=admin, timeout=TIMEOUT
    )
    line = ada.order(order["id"]).json()["items"][0]
    assert (line["name"], line["unit_price_cents"]) == ("Original", 1000)


def test_given_cart_line_when_price_changes_then_cart_shows_current_price(stack, admin):
    item = new_product(stack, admin, price_cents=1000)
    ada = shopper(stack)
    ada.put(item["id"], 2)
    requests.patch(f"{stack.url}/products/{item['id']}", json={"price_cents": 700}, headers=admin, timeout=TIMEOUT)
    assert ada.cart().json()["total_cents"] == 1400


def test_given_deleted_product_when_viewing_cart_then_line_drops_out(stack, admin):
    gone, kept = new_product(stack, admin, name="Gone"), new_product(stack, admin, name="Kept")
    ada = shopper(stack)
    ada.put(gone["id"], 1)
    ada.put(kept["id"], 1)
    assert requests.delete(f"{stack.url}/products/{gone['id']}", headers=admin, timeout=TIMEOUT).status_code == 204
    assert [line["product_id"] for line in ada.cart().json()["items"]] == [kept["id"]]


def test_given_cart_errors_then_404_422_415_and_delete_is_idempotent(stack, admin):
    item = new_product(stack, admin)
    ada = shopper(stack)
    assert_problem(ada.put(UNKNOWN_ID, 1), 404, "product-not-found")
    assert_problem(ada.put("not-an-id", 1), 404, "product-not-found")
    for quantity in (0, 100, 1.5, "2"):
        assert_problem(ada.put(item["id"], quantity), 422, "validation-failed")  # type: ignore[arg-type]
    not_json = requests.put(
        f"{stack.url}/cart/items/{item['id']}",
        data="quantity=1",
        headers={**ada.headers, "Content-Type": "text/plain"},
        timeout=TIMEOUT,
    )
    assert_problem(not_json, 415)
    ada.put(item["id"], 1)
    for _ in range(2):
        response = ada.remove(item["id"])
        assert response.status_code == 200 and response.json() == {"items": [], "total_cents": 0}
    assert_problem(ada.remove("not-an-id"), 404, "product-not-found")


def test_given_checkout_errors_then_422_for_empty_cart_missing_key_bad_address_and_409_for_stock(stack, admin):
    item = new_product(stack, admin, stock=1)
    ada = shopper(stack)
    assert_problem(ada.checkout(), 422, "cart-empty")
    ada.put(item["id"], 2)
    no_key = requests.post(
        f"{stack.url}/orders", json={"shipping_address": ADDRESS}, headers=ada.headers, timeout=TIMEOUT
    )
    assert_problem(no_key, 422, "validation-failed")
    assert_problem(ada.checkout(address={**ADDRESS, "country": "United Kingdom"}), 422, "validation-failed")
    problem = assert_problem(ada.checkout(), 409, "out-of-stock")
    assert item["id"] in problem["detail"]
    assert product(stack, item["id"])["stock"] == 1 and ada.orders().json()["items"] == []
    assert ada.cart().json()["items"][0]["quantity"] == 2  # nothing changed


def test_given_checkout_key_when_replayed_then_same_order_and_other_body_409(stack, admin):
    item = new_product(stack, admin, stock=10)
    ada = shopper(stack)
    ada.put(item["id"], 2)
    key = str(uuid.uuid4())
    first = ada.checkout(key)
    assert first.status_code == 201
    ada.put(item["id"], 1)  # a new cart: the replay must not order it
    replay = ada.checkout(key)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert_problem(ada.checkout(key, address={**ADDRESS, "line1": "Elsewhere 1"}), 409, "idempotency-key-reused")
    assert product(stack, item["id"])["stock"] == 8 and len(ada.orders().json()["items"]) == 1


def test_given_orders_when_paging_then_newest_first_all_once_and_bad_cursor_400(stack, admin):
    item = new_product(stack, admin, stock=20)
    ada = shopper(stack)
    placed = []
    for _ in range(5):
        ada.put(item["id"], 1)
        placed.append(ada.checkout().json()["id"])
    seen, cursor = [], None
    while True:
        page = ada.orders(limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [o["id"] for o in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == list(reversed(placed))
    first = ada.orders(limit=2).json()["next_cursor"]
    assert_problem(shopper(stack).orders(cursor=first), 400, "invalid-cursor")  # another user's cursor
    assert_problem(ada.orders(cursor=first[:-2] + ("AA" if first[-2:] != "AA" else "BB")), 400, "invalid-cursor")
    for limit in (0, 101, "x"):
        assert_problem(ada.orders(limit=limit), 422)


def test_given_order_lifecycle_then_cancel_restores_stock_and_fulfilment_moves_forward_only(stack, admin):
    item = new_product(stack, admin, stock=10)
    ada = shopper(stack)
    ada.put(item["id"], 3)
    cancelled = ada.checkout().json()
    response = ada.cancel(cancelled["id"])
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
    restored = product(stack, item["id"])
    assert (restored["stock"], restored["version"]) == (10, 3)  # created 1, checkout 2, cancel 3
    assert_problem(ada.cancel(cancelled["id"]), 409, "invalid-status-transition")

    ada.put(item["id"], 1)
    shipped = ada.checkout().json()
    status = f"{stack.url}/orders/{shipped['id']}/status"
    assert_problem(requests.put(status, json={"status": "SHIPPED"}, headers=ada.headers, timeout=TIMEOUT), 403)
    assert_problem(requests.put(status, json={"status": "DELIVERED"}, headers=admin, timeout=TIMEOUT), 409)
    for target in ("SHIPPED", "DELIVERED"):
        response = requests.put(status, json={"status": target}, headers=admin, timeout=TIMEOUT)
        assert response.status_code == 200 and response.json()["status"] == target
    assert_problem(requests.put(status, json={"status": "SHIPPED"}, headers=admin, timeout=TIMEOUT), 409)
    assert_problem(requests.put(status, json={"status": "CANCELLED"}, headers=admin, timeout=TIMEOUT), 422)
    assert_problem(ada.cancel(shipped["id"]), 409, "invalid-status-transition")
    assert ada.order(shipped["id"]).json()["status"] == "DELIVERED"
    assert_problem(
        requests.put(
            f"{stack.url}/orders/{UNKNOWN_ID}/status", json={"status": "SHIPPED"}, headers=admin, timeout=TIMEOUT
        ),
        404,
    )


def test_given_admin_then_reads_and_cancels_any_order(stack, admin):
    item = new_product(stack, admin)
    ada = shopper(stack)
    ada.put(item["id"], 1)
    order = ada.checkout().json()
    assert requests.get(f"{stack.url}/orders/{order['id']}", headers=admin, timeout=TIMEOUT).json() == order
    response = requests.post(f"{stack.url}/orders/{order['id']}/cancel", headers=admin, timeout=TIMEOUT)
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"


def test_given_unknown_or_malformed_order_ids_then_404(stack):
    ada = shopper(stack)
    for order_id in (UNKNOWN_ID, "not-an-id"):
        assert_problem(ada.order(order_id), 404, "order-not-found")
        assert_problem(ada.cancel(order_id), 404, "order-not-found")


def test_given_uppercase_ids_then_the_same_product_and_order(stack, admin):
    item = new_product(stack, admin)
    ada = shopper(stack)
    cart = ada.put(item["id"].upper(), 2).json()
    assert [(line["product_id"], line["quantity"]) for line in cart["items"]] == [(item["id"], 2)]
    order = ada.checkout().json()
    assert ada.order(order["id"].upper()).json() == order
    assert ada.cancel(order["id"].upper()).json()["status"] == "CANCELLED"


def test_given_hostile_bodies_on_cart_and_checkout_then_422_and_nothing_changes(stack, admin):
    item = new_product(stack, admin, stock=3)
    ada = shopper(stack)
    raw = {**ada.headers, "Content-Type": "application/json"}
    nested = '{"quantity":' * 10_000 + "1" + "}" * 10_000
    cart_url = f"{stack.url}/cart/items/{item['id']}"
    assert_problem(requests.put(cart_url, data=nested, headers=raw, timeout=TIMEOUT), 422, "validation-failed")
    long_quantity = '{"quantity": 1' + "0" * 4_300 + "}"
    problem = assert_problem(requests.put(cart_url, data=long_quantity, headers=raw, timeout=TIMEOUT), 422)
    assert [issue["loc"] for issue in problem["errors"]] == [["body", "quantity"]]
    assert ada.cart().json()["items"] == []
    ada.put(item["id"], 1)
    for address in ({**ADDRESS, "name": "\u0000"}, {**ADDRESS, "country": "XX"}, {**ADDRESS, "city": "\u202eLondon"}):
        assert_problem(ada.checkout(address=address), 422, "validation-failed")
    checkout = {**raw, "Idempotency-Key": str(uuid.uuid4())}
    nested_order = '{"shipping_address":' * 10_000 + "1" + "}" * 10_000
    response = requests.post(f"{stack.url}/orders", data=nested_order, headers=checkout, timeout=TIMEOUT)
    assert_problem(response, 422, "validation-failed")
    assert ada.orders().json()["items"] == [] and len(ada.cart().json()["items"]) == 1
    assert product(stack, item["id"])["stock"] == 3


# Isolation: another customer's token, or none, never reaches someone else's cart or orders.


@pytest.fixture(scope="module")
def victim(stack):
    """A customer with a cart line and an order, made through the API as an admin's product."""
    admin = stack.auth("admin-iso", ["admin"])
    item = new_product(stack, admin, name="Private Thing", stock=10)
    ada = shopper(stack)
    ada.put(item["id"], 1)
    order = ada.checkout().json()
    ada.put(item["id"], 2)
    return ada, item, order


ROUTES = [
    ("GET", "/cart", None),
    ("PUT", "/cart/items/{product_id}", {"quantity": 5}),
    ("DELETE", "/cart/items/{product_id}", None),
    ("POST", "/orders", {"shipping_address": ADDRESS}),
    ("GET", "/orders", None),
    ("GET", "/orders/{order_id}", None),
    ("POST", "/orders/{order_id}/cancel", None),
    ("PUT", "/orders/{order_id}/status", {"status": "SHIPPED"}),
]


def send(stack, victim, method, path, body, headers):
    _, item, order = victim
    url = stack.url + path.format(product_id=item["id"], order_id=order["id"])
    return requests.request(
        method, url, json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=TIMEOUT
    )


def assert_victim_untouched(victim):
    ada, item, order = victim
    assert ada.order(order["id"]).json() == order
    assert [(line["product_id"], line["quantity"]) for line in ada.cart().json()["items"]] == [(item["id"], 2)]
    assert [o["id"] for o in ada.orders().json()["items"]] == [order["id"]]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_given_no_token_when_calling_commerce_route_then_401(stack, victim, method, path, body):
    assert_problem(send(stack, victim, method, path, body, {}), 401)
    assert_victim_untouched(victim)


# What another customer gets from each route: their own (empty) cart and order list, or 404 (403 for the
# admin-only status route), and never a trace of the victim.
AS_ANOTHER_CUSTOMER = {
    "/cart": lambda r, item: r.status_code == 200 and r.json() == {"items": [], "total_cents": 0},
    "/cart/items/{product_id}": lambda r, item: (
        r.status_code == 200
        and [(line["product_id"], line["quantity"]) for line in r.json()["items"]] in ([(item["id"], 5)], [])
    ),
    "/orders": lambda r, item: (
        (r.status_code == 200 and r.json()["items"] == [])
        or (r.status_code == 422 and r.json()["type"].endswith("cart-empty"))
    ),
    "/orders/{order_id}": lambda r, item: r.status_code == 404,
    "/orders/{order_id}/cancel": lambda r, item: r.status_code == 404,
    "/orders/{order_id}/status": lambda r, item: r.status_code == 403,
}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_given_another_customers_token_then_own_data_or_404_never_the_victims(stack, victim, method, path, body):
    ada, item, _ = victim
    mallory = shopper(stack)
    response = send(stack, victim, method, path, body, mallory.headers)
    assert AS_ANOTHER_CUSTOMER[path](response, item), response.text
    assert ada.user_id not in response.text
    if "{order_id}" in path:
        assert "Private Thing" not in response.text  # nothing of the order's snapshot either
    assert_victim_untouched(victim)
