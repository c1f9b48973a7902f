"""Commerce functions: each real module, driven by events/*.json, against moto."""

import json
from datetime import datetime

import boto3
import pytest
from pydantic import ValidationError

from shop.common.clients import dynamodb_client
from tests.handlers.conftest import (
    IDEMPOTENCY_TABLE_NAME,
    TABLE_NAME,
    as_user,
    assert_problem,
    body_of,
    event,
    header,
    load_function,
    values,
    with_query,
)

UNKNOWN_ID = "0b4c7a1e-3f6d-4a5b-9c8d-000000000000"
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "London", "postal_code": "N1 1AA", "country": "GB"}
COMMERCE = [
    "get_cart",
    "put_cart_item",
    "delete_cart_item",
    "create_order",
    "list_orders",
    "get_order",
    "cancel_order",
    "update_order_status",
]


@pytest.fixture
def functions(table):
    return {name: load_function(name) for name in [*COMMERCE, "create_product", "get_product", "delete_product"]}


@pytest.fixture
def invoke(functions, context):
    def call(name, evt):
        return functions[name].lambda_handler(evt, context)

    return call


def at(name, user="customer-1", groups=("customer",), **path_parameters):
    """events/<name>.json retargeted at these path parameters, as this caller."""
    evt = event(name)
    path = evt["resource"]
    for key, value in path_parameters.items():
        path = path.replace("{" + key + "}", value)
    evt.update(path=path, pathParameters=path_parameters or evt["pathParameters"])
    return as_user(evt, list(groups), user) if groups is not None else as_user(evt, None)


def with_body(evt, body):
    return {**evt, "body": json.dumps(body) if not isinstance(body, str) else body}


def with_headers(evt, **headers):
    merged = {**evt["headers"], **headers}
    merged = {k: v for k, v in merged.items() if v is not None}
    return {**evt, "headers": merged, "multiValueHeaders": {k: [v] for k, v in merged.items()}}


@pytest.fixture
def new_product(invoke):
    def create(**fields):
        body = {"name": "Kettle", "category": "kitchen", "price_cents": 2500, "stock": 5, **fields}
        response = invoke("create_product", event("create_product", body=body))
        assert response["statusCode"] == 201, response
        return body_of(response)

    return create


@pytest.fixture
def add(invoke):
    def put(product_id, quantity, user="customer-1"):
        response = invoke(
            "put_cart_item", with_body(at("put_cart_item", user, product_id=product_id), {"quantity": quantity})
        )
        assert response["statusCode"] == 200, response
        return body_of(response)

    return put


def checkout(invoke, user="customer-1", key="key-1", address=ADDRESS):
    evt = with_headers(with_body(at("create_order", user), {"shipping_address": address}), **{"Idempotency-Key": key})
    return invoke("create_order", evt)


def product_item(product_id):
    key = {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}}
    item = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=key)["Item"]
    return int(item["stock"]["N"]), int(item["version"]["N"])


@pytest.fixture
def order(invoke, new_product, add):
    product = new_product(stock=5)
    add(product["id"], 2)
    response = checkout(invoke)
    assert response["statusCode"] == 201, response
    return body_of(response), product


# Every route needs a signed-in caller; validation never runs before that.


@pytest.mark.parametrize("name", COMMERCE)
def test_given_no_authorizer_context_when_invoking_commerce_route_then_401(invoke, name):
    assert_problem(invoke(name, as_user(event(name), None)), 401, "unauthenticated")


# Cart


def test_given_new_user_when_getting_cart_then_empty(invoke):
    response = invoke("get_cart", at("get_cart"))
    assert response["statusCode"] == 200 and body_of(response) == {"items": [], "total_cents": 0}


def test_given_lines_when_getting_cart_then_priced_and_totalled(invoke, new_product, add):
    kettle, mug = new_product(name="Kettle", price_cents=2500), new_product(name="Mug", price_cents=800)
    add(kettle["id"], 2)
    add(mug["id"], 3)
    cart = body_of(invoke("get_cart", at("get_cart")))
    assert cart == {
        "items": [
            {
                "product_id": kettle["id"],
                "name": "Kettle",
                "unit_price_cents": 2500,
                "quantity": 2,
                "line_total_cents": 5000,
            },
            {"product_id": mug["id"], "name": "Mug", "unit_price_cents": 800, "quantity": 3, "line_total_cents": 2400},
        ],
        "total_cents": 7400,
    }


def test_given_caller_dependency_overridden_when_getting_cart_then_the_route_reads_that_callers_cart(
    functions, invoke, new_product, add
):
    from shop.common.identity import Principal, current_caller

    product = new_product()
    add(product["id"], 2, user="customer-2")
    app = functions["get_cart"].app
    app.dependency_overrides[current_caller] = lambda: Principal(user_id="customer-2", groups=frozenset())
    try:
        lines = body_of(invoke("get_cart", at("get_cart", "customer-1")))["items"]
    finally:
        app.dependency_overrides.clear()
    assert [(line["product_id"], line["quantity"]) for line in lines] == [(product["id"], 2)]
    assert body_of(invoke("get_cart", at("get_cart", "customer-1")))["items"] == []


def test_given_deleted_product_when_getting_cart_then_line_drops_out(invoke, new_product, add):
    kettle, mug = new_product(), new_product(name="Mug")
    add(kettle["id"], 1)
    add(mug["id"], 1)
    deleted = invoke(
        "delete_product",
        {
            **event("delete_product"),
            "path": f"/products/{kettle['id']}",
            "pathParameters": {"product_id": kettle["id"]},
        },
    )
    assert deleted["statusCode"] == 204
    assert [line["product_id"] for line in body_of(invoke("get_cart", at("get_cart")))["items"]] == [mug["id"]]


def test_given_unknown_product_when_putting_line_then_404_and_cart_empty(invoke):
    assert_problem(invoke("put_cart_item", at("put_cart_item", product_id=UNKNOWN_ID)), 404, "product-not-found")
    assert body_of(invoke("get_cart", at("get_cart")))["items"] == []


@pytest.mark.parametrize(
    "body", [{"quantity": 0}, {"quantity": 100}, {"quantity": 1.5}, {"quantity": "2"}, {}, {"quantity": 1, "x": 1}]
)
def test_given_invalid_quantity_when_putting_line_then_422(invoke, new_product, body):
    product = new_product()
    assert_problem(invoke("put_cart_item", with_body(at("put_cart_item", product_id=product["id"]), body)), 422)


def test_given_malformed_product_id_when_putting_or_deleting_line_then_404_product_not_found(invoke):
    assert_problem(invoke("put_cart_item", at("put_cart_item", product_id="nope")), 404, "product-not-found")
    assert_problem(invoke("delete_cart_item", at("delete_cart_item", product_id="nope")), 404, "product-not-found")
    assert body_of(invoke("get_cart", at("get_cart")))["items"] == []


def test_given_uppercase_product_id_when_putting_and_deleting_line_then_the_canonical_product(invoke, new_product):
    product = new_product()
    upper = product["id"].upper()
    put = invoke("put_cart_item", with_body(at("put_cart_item", product_id=upper), {"quantity": 2}))
    assert put["statusCode"] == 200, put
    assert [(line["product_id"], line["quantity"]) for line in body_of(put)["items"]] == [(product["id"], 2)]
    again = invoke("put_cart_item", with_body(at("put_cart_item", product_id=product["id"]), {"quantity": 3}))
    assert [(line["product_id"], line["quantity"]) for line in body_of(again)["items"]] == [(product["id"], 3)]
    removed = invoke("delete_cart_item", at("delete_cart_item", product_id=upper))
    assert removed["statusCode"] == 200 and body_of(removed)["items"] == []


@pytest.mark.parametrize("depth", [33, 10_000])
def test_given_deeply_nested_body_when_putting_line_then_422_and_cart_unchanged(invoke, new_product, depth):
    body = '{"quantity":' * depth + "1" + "}" * depth
    evt = with_body(at("put_cart_item", product_id=new_product()["id"]), body)
    problem = assert_problem(invoke("put_cart_item", evt), 422, "validation-failed")
    assert [issue["type"] for issue in problem["errors"]] == ["json_too_deep"]
    assert body_of(invoke("get_cart", at("get_cart")))["items"] == []


def test_given_quantity_with_4301_digits_when_putting_line_then_422_naming_it(invoke, new_product):
    evt = with_body(at("put_cart_item", product_id=new_product()["id"]), '{"quantity": 1' + "0" * 4_300 + "}")
    problem = assert_problem(invoke("put_cart_item", evt), 422, "validation-failed")
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [(["body", "quantity"], "int_too_long")]


def test_given_uppercase_json_media_type_when_putting_line_then_200(invoke, new_product):
    evt = with_headers(
        with_body(at("put_cart_item", product_id=new_product()["id"]), {"quantity": 1}),
        **{"Content-Type": "APPLICATION/JSON; Charset=UTF-8"},
    )
    assert invoke("put_cart_item", evt)["statusCode"] == 200


def test_given_non_json_body_when_putting_line_then_415(invoke, new_product):
    evt = with_headers(at("put_cart_item", product_id=new_product()["id"]), **{"Content-Type": "text/plain"})
    assert_problem(invoke("put_cart_item", evt), 415)


def test_given_full_cart_when_adding_another_product_then_409_cart_full(invoke, new_product, add):
    from shop.commerce.models import MAX_CART_LINES

    for index in range(MAX_CART_LINES):
        add(new_product(name=f"P{index:02d}")["id"], 1)
    extra = new_product(name="Extra")
    response = invoke("put_cart_item", with_body(at("put_cart_item", product_id=extra["id"]), {"quantity": 1}))
    assert_problem(response, 409, "cart-full")
    assert len(body_of(invoke("get_cart", at("get_cart")))["items"]) == MAX_CART_LINES


def test_given_line_when_deleting_twice_then_200_both_times_and_gone(invoke, new_product, add):
    kettle, mug = new_product(), new_product(name="Mug")
    add(kettle["id"], 1)
    add(mug["id"], 1)
    for _ in range(2):
        response = invoke("delete_cart_item", at("delete_cart_item", product_id=kettle["id"]))
        assert response["statusCode"] == 200
        assert [line["product_id"] for line in body_of(response)["items"]] == [mug["id"]]


def test_given_no_cart_when_deleting_line_then_200_empty(invoke):
    response = invoke("delete_cart_item", at("delete_cart_item", product_id=UNKNOWN_ID))
    assert response["statusCode"] == 200 and body_of(response)["items"] == []


# Checkout


def test_given_cart_when_checking_out_then_201_order_stock_down_version_up_cart_empty(invoke, order):
    placed, product = order
    assert placed["status"] == "PLACED" and placed["total_cents"] == 5000 and placed["user_id"] == "customer-1"
    assert placed["items"] == [
        {
            "product_id": product["id"],
            "name": "Kettle",
            "unit_price_cents": 2500,
            "quantity": 2,
            "line_total_cents": 5000,
        }
    ]
    assert product_item(product["id"]) == (3, 2)
    assert body_of(invoke("get_cart", at("get_cart")))["items"] == []


def test_given_checkout_when_replayed_with_same_key_and_body_then_same_order_and_nothing_changes(invoke, order, add):
    placed, product = order
    add(product["id"], 1)  # a new cart: a replay must not order it
    response = checkout(invoke)
    assert response["statusCode"] == 201 and body_of(response) == placed
    assert header(response, "Location") == f"/v1/orders/{placed['id']}"
    assert product_item(product["id"]) == (3, 2)


def test_given_checkout_when_same_key_sent_with_other_body_then_409(invoke, order):
    assert_problem(checkout(invoke, address={**ADDRESS, "line1": "2 Main St"}), 409, "idempotency-key-reused")


def test_given_same_key_from_another_user_then_their_own_checkout_runs(invoke, order, add):
    placed, product = order
    add(product["id"], 1, user="customer-2")
    response = checkout(invoke, user="customer-2")
    assert response["statusCode"] == 201 and body_of(response)["id"] != placed["id"]


def test_given_no_idempotency_key_when_checking_out_then_422_naming_the_header(invoke, new_product, add):
    add(new_product()["id"], 1)
    evt = with_headers(with_body(at("create_order"), {"shipping_address": ADDRESS}), **{"Idempotency-Key": None})
    problem = assert_problem(invoke("create_order", evt), 422, "validation-failed")
    assert any("idempotency-key" in [str(part).lower() for part in issue["loc"]] for issue in problem["errors"]), (
        problem
    )


@pytest.mark.parametrize("key", ["", "k" * 256, "has space", "naïve"], ids=["empty", "too-long", "space", "non-ascii"])
def test_given_malformed_idempotency_key_when_checking_out_then_422_and_nothing_ordered(invoke, new_product, add, key):
    product = new_product()
    add(product["id"], 1)
    evt = with_headers(with_body(at("create_order"), {"shipping_address": ADDRESS}), **{"Idempotency-Key": key})
    assert_problem(invoke("create_order", evt), 422, "validation-failed")
    assert body_of(invoke("get_cart", at("get_cart")))["items"], "the cart must be left as it was"


def test_given_empty_cart_when_checking_out_then_422_cart_empty(invoke):
    assert_problem(checkout(invoke), 422, "cart-empty")


@pytest.mark.parametrize(
    "address",
    [
        {**ADDRESS, "country": "gb"},
        {k: v for k, v in ADDRESS.items() if k != "city"},
        {**ADDRESS, "name": ""},
        {**ADDRESS, "x": 1},
    ],
)
def test_given_invalid_address_when_checking_out_then_422(invoke, new_product, add, address):
    add(new_product()["id"], 1)
    assert_problem(checkout(invoke, address=address), 422, "validation-failed")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "\x00"),
        ("name", "Ada\u202e"),
        ("line1", "1 Main St\x1b[2J"),
        ("line2", "\u200bFlat 2"),
        ("city", "Lon\ndon"),
        ("postal_code", "N1\u2066"),
        ("country", "XX"),
        ("country", "EU"),
        ("country", "ZZ"),
    ],
)
def test_given_control_character_or_unknown_country_in_address_when_checking_out_then_422_naming_it_and_no_order(
    invoke, new_product, add, field, value
):
    add(new_product()["id"], 1)
    problem = assert_problem(checkout(invoke, address={**ADDRESS, field: value}), 422, "validation-failed")
    assert [issue["loc"] for issue in problem["errors"]] == [["body", "shipping_address", field]]
    assert body_of(invoke("list_orders", at("list_orders")))["items"] == []
    assert len(body_of(invoke("get_cart", at("get_cart")))["items"]) == 1


@pytest.mark.parametrize("country", ["GB", "AX", "CW", "SS", "US"])
def test_given_iso_3166_country_when_checking_out_then_201(invoke, new_product, add, country):
    add(new_product()["id"], 1)
    response = checkout(invoke, address={**ADDRESS, "country": country})
    assert response["statusCode"] == 201 and body_of(response)["shipping_address"]["country"] == country


def test_given_deeply_nested_or_long_integer_body_when_checking_out_then_422_and_no_order(invoke, new_product, add):
    add(new_product()["id"], 1)
    for body in ('{"shipping_address":' * 10_000 + "1" + "}" * 10_000, '{"shipping_address": 1' + "0" * 4_300 + "}"):
        evt = with_headers(with_body(at("create_order"), body), **{"Idempotency-Key": "key-1"})
        assert_problem(invoke("create_order", evt), 422, "validation-failed")
    assert body_of(invoke("list_orders", at("list_orders")))["items"] == []


def test_given_short_line_when_checking_out_then_409_naming_it_and_nothing_changes(invoke, new_product, add):
    plenty, scarce = new_product(stock=10), new_product(name="Scarce", stock=1)
    add(plenty["id"], 2)
    add(scarce["id"], 2)
    problem = assert_problem(checkout(invoke), 409, "out-of-stock")
    assert scarce["id"] in problem["detail"] and plenty["id"] not in problem["detail"]
    assert product_item(plenty["id"]) == (10, 1) and product_item(scarce["id"]) == (1, 1)
    assert len(body_of(invoke("get_cart", at("get_cart")))["items"]) == 2
    assert body_of(invoke("list_orders", at("list_orders")))["items"] == []


def test_given_mixed_currency_cart_when_checking_out_then_422(invoke, new_product, add):
    add(new_product()["id"], 1)
    add(new_product(name="Euro", currency="EUR")["id"], 1)
    assert_problem(checkout(invoke), 422, "mixed-currencies")


# Reading orders


def test_given_order_then_owner_and_admin_read_it_and_another_customer_gets_404(invoke, order):
    placed, _ = order
    assert body_of(invoke("get_order", at("get_order", order_id=placed["id"]))) == placed
    assert body_of(invoke("get_order", at("get_order", "admin-1", ["admin"], order_id=placed["id"]))) == placed
    assert_problem(invoke("get_order", at("get_order", "customer-2", order_id=placed["id"])), 404, "order-not-found")


@pytest.mark.parametrize("order_id", [UNKNOWN_ID, "nope", "x" * 3000, UNKNOWN_ID[:-1]])
def test_given_unknown_or_malformed_order_id_then_404_order_not_found(invoke, order_id):
    assert_problem(invoke("get_order", at("get_order", order_id=order_id)), 404, "order-not-found")
    assert_problem(invoke("cancel_order", at("cancel_order", order_id=order_id)), 404, "order-not-found")
    assert_problem(invoke("update_order_status", status_update(order_id, "SHIPPED")), 404, "order-not-found")


def test_given_uppercase_order_id_when_reading_shipping_and_cancelling_then_the_same_order(invoke, order):
    placed, _ = order
    upper = placed["id"].upper()
    assert body_of(invoke("get_order", at("get_order", order_id=upper))) == placed
    cancelled = invoke("cancel_order", at("cancel_order", order_id=upper))
    assert cancelled["statusCode"] == 200 and body_of(cancelled)["id"] == placed["id"]
    assert_problem(invoke("update_order_status", status_update(upper, "SHIPPED")), 409, "invalid-status-transition")


def test_given_deeply_nested_body_when_updating_status_then_422_and_unchanged(invoke, order):
    placed, _ = order
    evt = with_body(
        at("update_order_status", "admin-1", ("admin",), order_id=placed["id"]), "[" * 10_000 + "]" * 10_000
    )
    assert_problem(invoke("update_order_status", evt), 422, "validation-failed")
    assert body_of(invoke("get_order", at("get_order", order_id=placed["id"])))["status"] == "PLACED"


def test_given_orders_of_two_users_when_listing_then_own_only_newest_first_across_pages(invoke, new_product, add):
    product = new_product(stock=50)
    mine = []
    for index, user in enumerate(["customer-1", "customer-2", "customer-1", "customer-1"]):
        add(product["id"], 1, user=user)
        placed = body_of(checkout(invoke, user=user, key=f"k{index}"))
        if user == "customer-1":
            mine.append(placed["id"])
    seen, cursor = [], None
    while True:
        response = invoke(
            "list_orders", with_query(at("list_orders"), {"limit": "2", **({"cursor": cursor} if cursor else {})})
        )
        page = body_of(response)
        seen += [o["id"] for o in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == list(reversed(mine))


def test_given_cursor_of_another_user_when_listing_then_400(invoke, new_product, add):
    product = new_product(stock=50)
    for index in range(2):
        add(product["id"], 1)
        checkout(invoke, key=f"k{index}")
    cursor = body_of(invoke("list_orders", with_query(at("list_orders"), {"limit": "1"})))["next_cursor"]
    response = invoke("list_orders", with_query(at("list_orders", "customer-2"), {"cursor": cursor}))
    assert_problem(response, 400, "invalid-cursor")


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}])
def test_given_bad_query_when_listing_orders_then_422(invoke, query):
    assert_problem(invoke("list_orders", with_query(at("list_orders"), query)), 422)


# Cancelling


def test_given_placed_order_when_cancelled_then_200_stock_back_version_up_and_again_409(invoke, order):
    placed, product = order
    response = invoke("cancel_order", at("cancel_order", order_id=placed["id"]))
    cancelled = body_of(response)
    assert response["statusCode"] == 200 and cancelled["status"] == "CANCELLED"
    assert product_item(product["id"]) == (5, 3)
    # The order and the stock it gave back changed in one transaction, stamped alike.
    updated_at = datetime.fromisoformat(cancelled["updated_at"])
    assert updated_at >= datetime.fromisoformat(placed["updated_at"])
    assert datetime.fromisoformat(product_raw(product["id"])["updated_at"]["S"]) == updated_at
    assert body_of(invoke("get_order", at("get_order", order_id=placed["id"]))) == cancelled
    assert_problem(invoke("cancel_order", at("cancel_order", order_id=placed["id"])), 409, "invalid-status-transition")
    assert product_item(product["id"]) == (5, 3)


def test_given_order_shipped_after_it_was_read_when_cancelled_then_invalid_transition_names_shipped(invoke, order):
    from shop.commerce.dynamodb import CommerceTable
    from shop.commerce.errors import InvalidTransition
    from shop.commerce.models import Order

    placed, product = order
    table = CommerceTable(TABLE_NAME)
    read_as_placed = Order.model_validate(placed)
    stock_before = product_item(product["id"])
    table.transition(placed["id"], "PLACED", "SHIPPED", datetime.now(read_as_placed.created_at.tzinfo))

    with pytest.raises(InvalidTransition) as refused:
        table.cancel(read_as_placed, datetime.now(read_as_placed.created_at.tzinfo))

    assert refused.value.current == "SHIPPED"
    assert product_item(product["id"]) == stock_before, "a refused cancel gives no stock back"


def test_given_order_when_another_customer_cancels_then_404_and_unchanged(invoke, order):
    placed, product = order
    assert_problem(
        invoke("cancel_order", at("cancel_order", "customer-2", order_id=placed["id"])), 404, "order-not-found"
    )
    assert body_of(invoke("get_order", at("get_order", order_id=placed["id"])))["status"] == "PLACED"
    assert product_item(product["id"]) == (3, 2)


def test_given_order_when_admin_cancels_then_200(invoke, order):
    placed, _ = order
    response = invoke("cancel_order", at("cancel_order", "admin-1", ["admin"], order_id=placed["id"]))
    assert response["statusCode"] == 200 and body_of(response)["status"] == "CANCELLED"


def test_given_product_deleted_since_when_cancelling_then_cancelled_and_product_stays_deleted(invoke, order):
    placed, product = order
    invoke(
        "delete_product",
        {
            **event("delete_product"),
            "path": f"/products/{product['id']}",
            "pathParameters": {"product_id": product["id"]},
        },
    )
    response = invoke("cancel_order", at("cancel_order", order_id=placed["id"]))
    assert response["statusCode"] == 200 and body_of(response)["status"] == "CANCELLED"
    key = {"pk": {"S": f"PRODUCT#{product['id']}"}, "sk": {"S": "PRODUCT"}}
    assert "Item" not in boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=key)


def test_given_unknown_order_when_cancelling_then_404(invoke):
    assert_problem(invoke("cancel_order", at("cancel_order", order_id=UNKNOWN_ID)), 404, "order-not-found")


# Fulfilment


def status_update(order_id, status, user="admin-1", groups=("admin",)):
    return with_body(at("update_order_status", user, groups, order_id=order_id), {"status": status})


def test_given_placed_order_when_admin_ships_then_delivers_then_200s_and_further_steps_409(invoke, order):
    placed, _ = order
    for status in ("SHIPPED", "DELIVERED"):
        response = invoke("update_order_status", status_update(placed["id"], status))
        assert response["statusCode"] == 200 and body_of(response)["status"] == status
    for status in ("SHIPPED", "DELIVERED"):
        assert_problem(
            invoke("update_order_status", status_update(placed["id"], status)), 409, "invalid-status-transition"
        )
    assert_problem(invoke("cancel_order", at("cancel_order", order_id=placed["id"])), 409, "invalid-status-transition")


def test_given_placed_order_when_delivering_directly_then_409(invoke, order):
    placed, _ = order
    assert_problem(invoke("update_order_status", status_update(placed["id"], "DELIVERED")), 409)


def test_given_customer_when_updating_status_then_403_and_unchanged(invoke, order):
    placed, _ = order
    assert_problem(
        invoke("update_order_status", status_update(placed["id"], "SHIPPED", "customer-1", ("customer",))), 403
    )
    assert body_of(invoke("get_order", at("get_order", order_id=placed["id"])))["status"] == "PLACED"


@pytest.mark.parametrize("status", ["CANCELLED", "PLACED", "shipped", None])
def test_given_invalid_target_status_then_422(invoke, order, status):
    placed, _ = order
    assert_problem(invoke("update_order_status", status_update(placed["id"], status)), 422)


def test_given_unknown_order_when_updating_status_then_404(invoke):
    assert_problem(invoke("update_order_status", status_update(UNKNOWN_ID, "SHIPPED")), 404, "order-not-found")


def test_given_missing_idempotency_table_name_when_cold_starting_checkout_then_import_fails_loudly(table, monkeypatch):
    from shop.common.settings import idempotency_settings

    monkeypatch.delenv("IDEMPOTENCY_TABLE_NAME")
    idempotency_settings.cache_clear()
    with pytest.raises(ValidationError, match="IDEMPOTENCY_TABLE_NAME"):
        load_function("create_order")


# Races between a checkout's reads and its transaction, against the real adapter: a checkout orders what the
# cart holds when it commits, at the price it commits at, and never an order twice.


def request_for(key, user="customer-1", address=ADDRESS):
    from shop.commerce.models import CheckoutRequest

    return CheckoutRequest(user_id=user, idempotency_key=key, shipping_address=address)


def meanwhile(run):
    """The real CommerceTable, with `run` called once just before its first checkout transaction: what
    other requests do between a checkout's reads and its commit."""
    from shop.commerce.dynamodb import CommerceTable

    class Interleaved(CommerceTable):
        pending = True

        def place(self, order, cart_revision, now):
            if self.pending:
                self.pending = False
                run()
            super().place(order, cart_revision, now)

    return Interleaved(TABLE_NAME)


def no_pause(_attempt):
    pass


def product_raw(product_id):
    key = {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}}
    return boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key=key).get("Item")


def cart_lines(invoke, user="customer-1"):
    return {line["product_id"]: line["quantity"] for line in body_of(invoke("get_cart", at("get_cart", user)))["items"]}


def test_given_stale_checkout_when_cart_was_checked_out_and_refilled_meanwhile_then_old_lines_not_ordered_twice(
    invoke, new_product, add
):
    from shop.commerce.checkout import place_order

    a, b = new_product(name="A", stock=5), new_product(name="B", stock=5)
    add(a["id"], 1)

    def other_checkout_then_refill():
        assert checkout(invoke, key="K2")["statusCode"] == 201  # orders {A: 1}, empties the cart
        add(b["id"], 1)

    stale = place_order(request_for("K1"), store=meanwhile(other_checkout_then_refill), back_off=no_pause)
    # The stale checkout saw its cart change, read it again and ordered what it holds now: B only.
    assert [line.product_id for line in stale.items] == [b["id"]]
    assert product_item(a["id"]) == (4, 2) and product_item(b["id"]) == (4, 2)
    assert cart_lines(invoke) == {}
    assert len(body_of(invoke("list_orders", at("list_orders")))["items"]) == 2


def test_given_checked_out_cart_then_it_is_emptied_not_deleted_and_its_revision_goes_on(invoke, new_product, add):
    from shop.commerce.dynamodb import CommerceTable

    product = new_product()
    add(product["id"], 1)
    before = CommerceTable(TABLE_NAME).get_cart("customer-1").revision
    assert checkout(invoke)["statusCode"] == 201
    after = CommerceTable(TABLE_NAME).get_cart("customer-1")
    assert after.lines == {} and after.revision == before + 1
    add(product["id"], 1)
    assert CommerceTable(TABLE_NAME).get_cart("customer-1").revision == before + 2


def test_given_price_changed_between_read_and_commit_then_retried_and_ordered_at_the_new_price(
    invoke, new_product, add
):
    from shop.commerce.checkout import place_order

    product = new_product(price_cents=2500, stock=5)
    add(product["id"], 2)

    def reprice():
        boto3.client("dynamodb").update_item(
            TableName=TABLE_NAME,
            Key={"pk": {"S": f"PRODUCT#{product['id']}"}, "sk": {"S": "PRODUCT"}},
            UpdateExpression="SET price_cents = :p, version = version + :one",
            ExpressionAttributeValues={":p": {"N": "3000"}, ":one": {"N": "1"}},
        )

    order = place_order(request_for("K1"), store=meanwhile(reprice), back_off=no_pause)
    assert (order.items[0].unit_price_cents, order.total_cents) == (3000, 6000)
    assert product_item(product["id"]) == (3, 3)


def test_given_product_deleted_between_read_and_commit_then_its_line_drops_out_not_409(invoke, new_product, add):
    from shop.commerce.checkout import place_order

    kettle, mug = new_product(stock=5), new_product(name="Mug", stock=5)
    add(kettle["id"], 1)
    add(mug["id"], 1)

    def delete_kettle():
        evt = {
            **event("delete_product"),
            "path": f"/products/{kettle['id']}",
            "pathParameters": {"product_id": kettle["id"]},
        }
        assert invoke("delete_product", evt)["statusCode"] == 204

    order = place_order(request_for("K1"), store=meanwhile(delete_kettle), back_off=no_pause)
    assert [line.product_id for line in order.items] == [mug["id"]]
    assert product_raw(kettle["id"]) is None and product_item(mug["id"]) == (4, 2)


def clear_idempotency_records():
    """What a lost record looks like: the function died after its commit, or the record expired."""
    client = boto3.client("dynamodb")
    for item in client.scan(TableName=IDEMPOTENCY_TABLE_NAME)["Items"]:
        client.delete_item(TableName=IDEMPOTENCY_TABLE_NAME, Key={"id": item["id"]})


@pytest.mark.parametrize("refilled", [True, False])
def test_given_committed_checkout_whose_idempotency_record_is_lost_when_retried_then_same_order_nothing_changes(
    invoke, order, add, refilled
):
    placed, product = order
    clear_idempotency_records()
    if refilled:
        add(product["id"], 1)
    response = checkout(invoke)
    assert response["statusCode"] == 201 and body_of(response) == placed
    assert header(response, "Location") == f"/v1/orders/{placed['id']}"
    assert product_item(product["id"]) == (3, 2)
    assert cart_lines(invoke) == ({product["id"]: 1} if refilled else {})
    assert [o["id"] for o in body_of(invoke("list_orders", at("list_orders")))["items"]] == [placed["id"]]


def test_given_idempotency_table_unavailable_when_checking_out_then_503_and_nothing_changes(invoke, new_product, add):
    product = new_product(stock=5)
    add(product["id"], 1)
    boto3.client("dynamodb").delete_table(TableName=IDEMPOTENCY_TABLE_NAME)
    assert_problem(checkout(invoke), 503, "checkout-unavailable")
    assert product_item(product["id"]) == (5, 1) and cart_lines(invoke) == {product["id"]: 1}


def transaction_conflicts(monkeypatch, times):
    """DynamoDB's answer to a transaction touching an item another transaction holds, `times` times (the
    local DynamoDB is serialised and never gives it); then the real call. Returns the calls made."""
    client = dynamodb_client()
    real = client.transact_write_items
    calls = []

    def transact_write_items(**kwargs):
        calls.append(kwargs)
        if len(calls) > times:
            return real(**kwargs)
        reasons = [{"Code": "None"} for _ in kwargs["TransactItems"]]
        reasons[0] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
        raise client.exceptions.TransactionCanceledException(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": reasons,
            },
            "TransactWriteItems",
        )

    monkeypatch.setattr(client, "transact_write_items", transact_write_items)
    return calls


def test_given_transaction_conflicts_beyond_cart_retries_when_checking_out_then_201_and_stock_taken_once(
    invoke, new_product, add, monkeypatch
):
    from shop.commerce.retries import MAX_CHECKOUT_ATTEMPTS

    product = new_product(stock=5)
    add(product["id"], 2)
    calls = transaction_conflicts(monkeypatch, MAX_CHECKOUT_ATTEMPTS + 1)
    response = checkout(invoke)
    assert response["statusCode"] == 201, response
    assert len(calls) == MAX_CHECKOUT_ATTEMPTS + 2 and product_item(product["id"]) == (3, 2)


def test_given_endless_transaction_conflicts_when_checking_out_then_409_too_many_conflicts(
    invoke, new_product, add, monkeypatch
):
    product = new_product(stock=5)
    add(product["id"], 2)
    transaction_conflicts(monkeypatch, 10**6)
    assert_problem(checkout(invoke), 409, "too-many-conflicts")
    assert product_item(product["id"]) == (5, 1) and cart_lines(invoke) == {product["id"]: 2}


def test_given_transaction_conflicts_when_cancelling_then_200_and_stock_back_once(invoke, order, monkeypatch):
    from shop.commerce.retries import MAX_CHECKOUT_ATTEMPTS

    placed, product = order
    calls = transaction_conflicts(monkeypatch, MAX_CHECKOUT_ATTEMPTS + 1)
    response = invoke("cancel_order", at("cancel_order", order_id=placed["id"]))
    assert response["statusCode"] == 200 and body_of(response)["status"] == "CANCELLED"
    assert len(calls) == MAX_CHECKOUT_ATTEMPTS + 2 and product_item(product["id"]) == (5, 3)


def conditional_check_failed(operation):
    client = dynamodb_client()

    def fail(**kwargs):
        raise client.exceptions.ConditionalCheckFailedException(
            {"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}},
            operation,
        )

    return fail


def test_given_cart_write_that_keeps_losing_races_when_putting_line_then_409_not_500(invoke, new_product, monkeypatch):
    product = new_product()
    client = dynamodb_client()
    # The update finds no cart, the create finds one: as if another request kept replacing it.
    monkeypatch.setattr(client, "update_item", conditional_check_failed("UpdateItem"))
    monkeypatch.setattr(client, "put_item", conditional_check_failed("PutItem"))
    response = invoke("put_cart_item", with_body(at("put_cart_item", product_id=product["id"]), {"quantity": 1}))
    assert_problem(response, 409, "too-many-conflicts")


@pytest.mark.parametrize("route", ["get_cart", "put_cart_item", "delete_cart_item"])
def test_given_product_reads_kept_unprocessed_when_using_a_cart_route_then_409_not_500(
    invoke, new_product, add, monkeypatch, route
):
    kettle, mug = new_product(), new_product(name="Mug")
    add(kettle["id"], 1)
    add(mug["id"], 1)
    client = dynamodb_client()

    def batch_get_item(**kwargs):  # throttled: every key comes back unprocessed
        return {"Responses": {}, "UnprocessedKeys": kwargs["RequestItems"]}

    monkeypatch.setattr(client, "batch_get_item", batch_get_item)
    evt = at(route, product_id=kettle["id"]) if route != "get_cart" else at(route)
    if route == "put_cart_item":
        evt = with_body(evt, {"quantity": 2})
    assert_problem(invoke(route, evt), 409, "too-many-conflicts")


def test_given_product_when_putting_cart_line_then_its_existence_is_read_strongly_consistent(
    invoke, new_product, monkeypatch
):
    product = new_product()
    client = dynamodb_client()
    real = client.get_item
    reads = []

    def get_item(**kwargs):
        reads.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(client, "get_item", get_item)
    response = invoke("put_cart_item", with_body(at("put_cart_item", product_id=product["id"]), {"quantity": 1}))
    assert response["statusCode"] == 200
    product_reads = [read for read in reads if read["Key"]["pk"]["S"] == f"PRODUCT#{product['id']}"]
    assert product_reads and all(read.get("ConsistentRead") is True for read in product_reads)


# Business metrics: counted once the fact is certain, never for a request that failed, never twice for a replay.


def test_given_cart_when_checking_out_then_one_order_placed_with_its_items_and_value(
    invoke, new_product, add, published
):
    kettle, mug = new_product(price_cents=2500), new_product(name="Mug", price_cents=900, currency="USD")
    add(kettle["id"], 2)
    add(mug["id"], 3)
    published()
    assert checkout(invoke)["statusCode"] == 201
    metrics = published()
    assert values(metrics, "OrdersPlaced") == [1]
    assert values(metrics, "OrderItems") == [5]
    [value] = [metric for metric in metrics if metric.name == "OrderValue"]
    assert (value.value, value.unit, value.dimensions) == (7700, "None", {"currency": "USD", "service": "shop-tests"})
    assert {metric.namespace for metric in metrics} == {"ShopTests"}
    assert values(metrics, "CheckoutRejected") == []


def test_given_placed_order_when_key_replayed_then_order_placed_not_counted_again(invoke, order, add, published):
    _, product = order
    add(product["id"], 1)
    published()
    assert checkout(invoke)["statusCode"] == 201
    metrics = published()
    assert values(metrics, "OrdersPlaced") == [] and values(metrics, "OrderValue") == []


def test_given_placed_order_whose_idempotency_record_is_lost_when_retried_then_not_counted_again(
    invoke, order, published
):
    clear_idempotency_records()
    published()
    assert checkout(invoke)["statusCode"] == 201
    assert values(published(), "OrdersPlaced") == []


@pytest.mark.parametrize("reason", ["out-of-stock", "cart-empty", "mixed-currencies"])
def test_given_cart_that_cannot_be_ordered_when_checking_out_then_rejection_counted_by_reason_and_no_order(
    invoke, new_product, add, published, reason
):
    if reason == "out-of-stock":
        add(new_product(stock=1)["id"], 2)
    elif reason == "mixed-currencies":
        add(new_product()["id"], 1)
        add(new_product(name="Euro", currency="EUR")["id"], 1)
    published()
    assert_problem(checkout(invoke), 409 if reason == "out-of-stock" else 422, reason)
    metrics = published()
    assert values(metrics, "CheckoutRejected", reason=reason) == [1]
    assert values(metrics, "OrdersPlaced") == []


def test_given_invalid_checkout_request_then_neither_placed_nor_rejected_counted(invoke, new_product, add, published):
    add(new_product()["id"], 1)
    published()
    assert_problem(checkout(invoke, address={**ADDRESS, "country": "gb"}), 422, "validation-failed")
    metrics = published()
    assert values(metrics, "OrdersPlaced") == [] and values(metrics, "CheckoutRejected") == []


def test_given_placed_order_when_cancelled_then_counted_once_and_refused_second_cancel_not(invoke, order, published):
    placed, _ = order
    published()
    assert invoke("cancel_order", at("cancel_order", order_id=placed["id"]))["statusCode"] == 200
    assert values(published(), "OrdersCancelled") == [1]
    assert_problem(invoke("cancel_order", at("cancel_order", order_id=placed["id"])), 409)
    assert values(published(), "OrdersCancelled") == []


def test_given_placed_order_when_shipped_then_delivered_then_each_status_change_counted_by_status(
    invoke, order, published
):
    placed, _ = order
    published()
    assert invoke("update_order_status", status_update(placed["id"], "SHIPPED"))["statusCode"] == 200
    assert invoke("update_order_status", status_update(placed["id"], "DELIVERED"))["statusCode"] == 200
    metrics = published()
    assert values(metrics, "OrderStatusChanged", status="SHIPPED") == [1]
    assert values(metrics, "OrderStatusChanged", status="DELIVERED") == [1]
    assert_problem(invoke("update_order_status", status_update(placed["id"], "SHIPPED")), 409)
    assert values(published(), "OrderStatusChanged") == []


def test_given_product_when_putting_then_deleting_cart_line_then_added_and_removed_counted(
    invoke, new_product, published
):
    product = new_product()
    published()
    evt = with_body(at("put_cart_item", product_id=product["id"]), {"quantity": 2})
    assert invoke("put_cart_item", evt)["statusCode"] == 200
    assert values(published(), "CartItemsAdded") == [1]
    assert invoke("delete_cart_item", at("delete_cart_item", product_id=product["id"]))["statusCode"] == 200
    assert values(published(), "CartItemsRemoved") == [1]


def test_given_unknown_product_or_anonymous_caller_when_putting_cart_line_then_nothing_counted(invoke, published):
    assert_problem(invoke("put_cart_item", with_body(at("put_cart_item", product_id=UNKNOWN_ID), {"quantity": 1})), 404)
    evt = with_body(at("put_cart_item", groups=None, product_id=UNKNOWN_ID), {"quantity": 1})
    assert_problem(invoke("put_cart_item", evt), 401)
    assert_problem(invoke("delete_cart_item", at("delete_cart_item", groups=None, product_id=UNKNOWN_ID)), 401)
    metrics = published()
    assert values(metrics, "CartItemsAdded") == [] and values(metrics, "CartItemsRemoved") == []
