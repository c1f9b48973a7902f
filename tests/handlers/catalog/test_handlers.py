import pytest
from pydantic import ValidationError

from tests.handlers.conftest import (
    as_user,
    assert_problem,
    body_of,
    event,
    header,
    load_function,
    values,
    with_product,
    with_query,
)

UNKNOWN_ID = "0b4c7a1e-3f6d-4a5b-9c8d-000000000000"


@pytest.fixture
def functions(table):
    names = ["health", "create_product", "get_product", "update_product", "delete_product", "list_products"]
    return {name: load_function(name) for name in names}


@pytest.fixture
def invoke(functions, context):
    def call(name, evt):
        return functions[name].lambda_handler(evt, context)

    return call


@pytest.fixture
def created(invoke):
    response = invoke("create_product", event("create_product"))
    assert response["statusCode"] == 201, response
    return body_of(response)


def test_given_health_event_when_invoked_then_ok(invoke):
    response = invoke("health", event("health"))
    assert response["statusCode"] == 200
    assert body_of(response) == {"status": "ok"}


def test_given_admin_create_event_when_invoked_then_201_with_location_and_product(invoke):
    response = invoke("create_product", event("create_product"))
    product = body_of(response)
    assert response["statusCode"] == 201
    # The event's request path carries the stage, as API Gateway's does.
    assert header(response, "Location") == f"/v1/products/{product['id']}"
    assert product["version"] == 1 and product["price_cents"] == 19999 and product["currency"] == "USD"
    assert product["created_at"].endswith("Z")


@pytest.mark.parametrize(("groups", "status"), [(["customer"], 403), ([], 403), (["readers,admin"], 403), (None, 401)])
def test_given_non_admin_when_creating_then_refused_and_nothing_stored(invoke, groups, status):
    assert_problem(invoke("create_product", as_user(event("create_product"), groups)), status)
    assert body_of(invoke("list_products", with_query(event("list_products"), None)))["items"] == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "category": "audio", "price_cents": 1, "stock": 1}, {"body.name"}),
        ({"name": "x", "category": "audio", "price_cents": 1.5, "stock": 1}, {"body.price_cents"}),
        ({"name": "x", "category": "audio", "price_cents": 1, "stock": 1, "colour": "red"}, {"body.colour"}),
        ({"name": "x", "price_cents": 1, "stock": 1}, {"body.category"}),
        ({"name": "x", "category": "a", "price_cents": 1, "stock": 1, "currency": "ABC"}, {"body.currency"}),
    ],
)
def test_given_invalid_body_when_creating_then_422_naming_fields(invoke, body, fields):
    problem = assert_problem(invoke("create_product", event("create_product", body=body)), 422)
    assert {".".join(map(str, issue["loc"])) for issue in problem["errors"]} == fields


@pytest.mark.parametrize("raw", ["{not json", "[]", "null", ""])
def test_given_malformed_json_when_creating_then_422(invoke, raw):
    assert_problem(invoke("create_product", event("create_product", body=raw)), 422)


def test_given_product_when_getting_then_200_with_etag(invoke, created):
    response = invoke("get_product", with_product(event("get_product"), created["id"]))
    assert response["statusCode"] == 200
    assert body_of(response) == created
    assert header(response, "ETag") == '"1"'


def test_given_unknown_id_when_getting_then_404(invoke):
    assert_problem(invoke("get_product", with_product(event("get_product"), UNKNOWN_ID)), 404)


@pytest.mark.parametrize("product_id", ["abc", "x" * 3000, "0B4C7A1E-3F6D-4A5B-9C8D-112233445566"])
def test_given_malformed_id_when_getting_then_422(invoke, product_id):
    assert_problem(invoke("get_product", with_product(event("get_product"), product_id)), 422)


def test_given_current_if_match_when_patching_then_200_and_version_increments(invoke, created):
    response = invoke("update_product", with_product(event("update_product"), created["id"]))
    product = body_of(response)
    assert response["statusCode"] == 200
    assert (product["version"], product["price_cents"], product["stock"]) == (2, 17999, 20)
    assert header(response, "ETag") == '"2"'
    assert product["updated_at"] > created["updated_at"]


def test_given_stale_if_match_when_patching_then_412_and_unchanged(invoke, created):
    patch = with_product(event("update_product"), created["id"])
    assert invoke("update_product", patch)["statusCode"] == 200
    assert_problem(invoke("update_product", patch), 412)
    current = body_of(invoke("get_product", with_product(event("get_product"), created["id"])))
    assert current["version"] == 2


def test_given_no_if_match_when_patching_then_applies(invoke, created):
    patch = with_product(event("update_product"), created["id"])
    patch["headers"] = {k: v for k, v in patch["headers"].items() if k != "If-Match"}
    patch["multiValueHeaders"] = {k: v for k, v in patch["multiValueHeaders"].items() if k != "If-Match"}
    assert body_of(invoke("update_product", patch))["version"] == 2


def test_given_category_change_when_patching_then_listing_by_category_follows(invoke, created):
    patch = with_product(event("update_product", body={"category": "kitchen"}), created["id"])
    assert invoke("update_product", patch)["statusCode"] == 200
    by = {
        category: [
            p["id"]
            for p in body_of(invoke("list_products", with_query(event("list_products"), {"category": category})))[
                "items"
            ]
        ]
        for category in ("audio", "kitchen")
    }
    assert by == {"audio": [], "kitchen": [created["id"]]}


def test_given_malformed_if_match_when_patching_then_400(invoke, created):
    patch = with_product(event("update_product"), created["id"])
    patch["headers"]["If-Match"] = "W/nonsense"
    patch["multiValueHeaders"]["If-Match"] = ["W/nonsense"]
    assert_problem(invoke("update_product", patch), 400)


def test_given_unknown_id_when_patching_then_404(invoke):
    assert_problem(invoke("update_product", with_product(event("update_product"), UNKNOWN_ID)), 404)


@pytest.mark.parametrize("body", [{}, {"name": None}, {"stock": -1}, {"id": "x"}, {"version": 9}])
def test_given_invalid_patch_when_patching_then_422(invoke, created, body):
    patch = with_product(event("update_product", body=body), created["id"])
    assert_problem(invoke("update_product", patch), 422)


def test_given_customer_when_patching_then_403(invoke, created):
    patch = as_user(with_product(event("update_product"), created["id"]), ["customer"])
    assert_problem(invoke("update_product", patch), 403)


def test_given_product_when_deleting_then_204_and_then_404(invoke, created):
    delete = with_product(event("delete_product"), created["id"])
    response = invoke("delete_product", delete)
    assert response["statusCode"] == 204 and not response.get("body")
    assert_problem(invoke("delete_product", delete), 404)
    assert_problem(invoke("get_product", with_product(event("get_product"), created["id"])), 404)


def test_given_customer_when_deleting_then_403_and_product_remains(invoke, created):
    assert_problem(
        invoke("delete_product", as_user(with_product(event("delete_product"), created["id"]), ["customer"])), 403
    )
    assert invoke("get_product", with_product(event("get_product"), created["id"]))["statusCode"] == 200


def test_given_products_when_listing_pages_then_all_once_newest_first(invoke):
    ids = [body_of(invoke("create_product", event("create_product")))["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = body_of(invoke("list_products", with_query(event("list_products"), query)))
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"category": ""}])
def test_given_bad_query_when_listing_then_422(invoke, query):
    assert_problem(invoke("list_products", with_query(event("list_products"), query)), 422)


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxfQ", "e30"])
def test_given_tampered_cursor_when_listing_then_400(invoke, cursor):
    assert_problem(invoke("list_products", with_query(event("list_products"), {"cursor": cursor})), 400)


def test_given_missing_table_name_when_cold_starting_then_import_fails_loudly(monkeypatch):
    from shop.common.settings import table_settings

    monkeypatch.delenv("TABLE_NAME", raising=False)
    table_settings.cache_clear()
    with pytest.raises(ValidationError, match="TABLE_NAME"):
        load_function("get_product")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_given_non_json_body_when_creating_then_415_and_nothing_stored(invoke, content_type):
    create = event("create_product")
    create["headers"]["Content-Type"] = content_type
    create["multiValueHeaders"]["Content-Type"] = [content_type]
    assert_problem(invoke("create_product", create), 415)
    assert body_of(invoke("list_products", with_query(event("list_products"), None)))["items"] == []


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8"])
def test_given_json_content_type_variants_when_patching_then_accepted(invoke, created, content_type):
    patch = with_product(event("update_product"), created["id"])
    patch["headers"]["Content-Type"] = content_type
    patch["multiValueHeaders"]["Content-Type"] = [content_type]
    assert invoke("update_product", patch)["statusCode"] == 200


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("create_product", {}, "application/json"),
        ("create_product", "name=x", "text/plain"),
        ("update_product", {"stock": -1}, "application/json"),
    ],
)
def test_given_customer_with_invalid_request_when_calling_admin_route_then_403_not_validation(
    invoke, created, name, body, content_type
):
    request = as_user(with_product(event(name, body=body), created["id"]), ["customer"])
    request["headers"]["Content-Type"] = content_type
    request["multiValueHeaders"]["Content-Type"] = [content_type]
    assert_problem(invoke(name, request), 403)


# Business metrics: one per catalog change that happened, none for a refused or failed one.


def test_given_admin_when_creating_updating_and_deleting_then_each_change_counted_once(invoke, published):
    response = invoke("create_product", event("create_product"))
    assert response["statusCode"] == 201
    assert values(published(), "ProductsCreated") == [1]
    product_id = body_of(response)["id"]
    assert invoke("update_product", with_product(event("update_product"), product_id))["statusCode"] == 200
    assert values(published(), "ProductsUpdated") == [1]
    assert invoke("delete_product", with_product(event("delete_product"), product_id))["statusCode"] == 204
    assert values(published(), "ProductsDeleted") == [1]


def test_given_refused_or_failed_catalog_changes_then_nothing_counted(invoke, created, published):
    published()
    assert_problem(invoke("create_product", as_user(event("create_product"), ["customer"])), 403)
    assert_problem(invoke("create_product", event("create_product", body={"name": ""})), 422)
    patch = with_product(event("update_product"), created["id"])
    assert invoke("update_product", patch)["statusCode"] == 200
    published()
    assert_problem(invoke("update_product", patch), 412)  # its If-Match is stale now
    assert_problem(invoke("delete_product", with_product(event("delete_product"), UNKNOWN_ID)), 404)
    metrics = published()
    assert [metric.name for metric in metrics if metric.name.startswith("Products")] == []
