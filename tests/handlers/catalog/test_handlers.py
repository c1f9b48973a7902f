import base64

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


# Near misses of the admin group are outsiders too. (A group whose name holds a comma cannot be told apart from two
# groups in the claim API Gateway joins with commas: the template makes every group, none with a comma, and
# tests/unit/template/test_api_gateway.py checks that.)
@pytest.mark.parametrize(
    ("groups", "status"),
    [(["customer"], 403), ([], 403), (["readers", "admins", "Admin", " admin"], 403), (None, 401)],
)
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


# An id that cannot be a product id names no product: 404, as an unknown one (and the same problem type).
MALFORMED_IDS = [
    "abc",
    "x" * 3000,
    "0b4c7a1e-3f6d-4a5b-9c8d-11223344556",  # one digit short
    "0b4c7a1e-3f6d-1a5b-9c8d-112233445566",  # a version-1 UUID: products have UUID4s
    "0b4c7a1e-3f6d-4a5b-9c8d-112233445566\n",
]


@pytest.mark.parametrize("product_id", MALFORMED_IDS)
@pytest.mark.parametrize("name", ["get_product", "update_product", "delete_product"])
def test_given_malformed_id_when_getting_patching_or_deleting_then_404_product_not_found(invoke, name, product_id):
    assert_problem(invoke(name, with_product(event(name), product_id)), 404, "product-not-found")


def test_given_uppercase_id_when_getting_patching_and_deleting_then_the_same_product(invoke, created):
    upper = created["id"].upper()
    fetched = invoke("get_product", with_product(event("get_product"), upper))
    assert fetched["statusCode"] == 200 and body_of(fetched) == created
    patched = invoke("update_product", with_product(event("update_product"), upper))
    assert patched["statusCode"] == 200 and body_of(patched)["id"] == created["id"]
    assert invoke("delete_product", with_product(event("delete_product"), upper))["statusCode"] == 204
    assert_problem(invoke("get_product", with_product(event("get_product"), created["id"])), 404)


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


@pytest.mark.parametrize("if_match", ['"' + "1" * 200 + '"', "x" * 101, '"1", ' * 30])
def test_given_over_long_if_match_when_patching_then_400_invalid_precondition_and_unchanged(invoke, created, if_match):
    patch = with_product(event("update_product"), created["id"])
    patch["headers"]["If-Match"] = if_match
    patch["multiValueHeaders"]["If-Match"] = [if_match]
    assert_problem(invoke("update_product", patch), 400, "invalid-precondition")
    assert body_of(invoke("get_product", with_product(event("get_product"), created["id"])))["version"] == 1


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


# Request bodies: one reader for every route, within limits, UTF-8 only; nothing is stored from a refused body.


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def with_content_type(evt, content_type):
    return {
        **evt,
        "headers": {**evt["headers"], "Content-Type": content_type},
        "multiValueHeaders": {**evt["multiValueHeaders"], "Content-Type": [content_type]},
    }


def nothing_stored(invoke):
    return body_of(invoke("list_products", with_query(event("list_products"), None)))["items"] == []


@pytest.mark.parametrize("depth", [33, 9_960, 10_000, 100_000])
def test_given_deeply_nested_body_when_creating_then_422_json_too_deep_and_nothing_stored(invoke, depth):
    problem = assert_problem(invoke("create_product", event("create_product", body=nested(depth))), 422)
    assert problem["type"] == "urn:shop:problem:validation-failed"
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [(["body"], "json_too_deep")]
    assert nothing_stored(invoke)


def test_given_deeply_nested_body_when_patching_then_422_and_unchanged(invoke, created):
    patch = with_product(event("update_product", body=nested(10_000)), created["id"])
    assert_problem(invoke("update_product", patch), 422, "validation-failed")
    assert body_of(invoke("get_product", with_product(event("get_product"), created["id"])))["version"] == 1


def test_given_brackets_inside_strings_when_creating_then_they_do_not_count_as_nesting(invoke):
    body = {"name": "[[[{{{" * 30, "description": '"\\[' * 100, "category": "qa", "price_cents": 1, "stock": 1}
    response = invoke("create_product", event("create_product", body=body))
    assert response["statusCode"] == 201, response
    assert body_of(response)["name"] == body["name"] and body_of(response)["description"] == body["description"]


@pytest.mark.parametrize("field", ["price_cents", "stock"])
@pytest.mark.parametrize("digits", [65, 4_301, 100_000])
def test_given_integer_with_too_many_digits_when_creating_then_422_naming_the_field(invoke, field, digits):
    body = '{"name":"x","category":"qa","stock":1,"price_cents":1}'.replace(
        f'"{field}":1', f'"{field}":' + "9" * digits
    )
    problem = assert_problem(invoke("create_product", event("create_product", body=body)), 422, "validation-failed")
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [(["body", field], "int_too_long")]
    assert nothing_stored(invoke)


def test_given_negative_integer_with_too_many_digits_when_patching_then_422_naming_the_field(invoke, created):
    patch = with_product(event("update_product", body='{"stock": -' + "1" * 4_301 + "}"), created["id"])
    problem = assert_problem(invoke("update_product", patch), 422, "validation-failed")
    assert [issue["loc"] for issue in problem["errors"]] == [["body", "stock"]]


def test_given_long_integer_within_the_digit_limit_when_creating_then_422_out_of_range(invoke):
    body = '{"name":"x","category":"qa","stock":1,"price_cents":' + "9" * 64 + "}"
    problem = assert_problem(invoke("create_product", event("create_product", body=body)), 422, "validation-failed")
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [
        (["body", "price_cents"], "less_than_equal")
    ]


@pytest.mark.parametrize(
    "content_type",
    [
        "APPLICATION/JSON",
        "Application/Json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        "APPLICATION/JSON; CHARSET=UTF-8",
    ],
)
def test_given_json_media_type_in_any_case_when_creating_then_201(invoke, content_type):
    response = invoke("create_product", with_content_type(event("create_product"), content_type))
    assert response["statusCode"] == 201, response


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=iso-8859-1", "application/json; charset=utf-16", "APPLICATION/JSON; charset=latin1"],
)
def test_given_charset_other_than_utf8_when_creating_then_415_and_nothing_stored(invoke, content_type):
    # What the gateway hands on for `Caf\xe9` sent as Latin-1: the byte that is not UTF-8 is already U+FFFD.
    body = '{"name": "Caf\ufffd", "category": "qa", "price_cents": 1, "stock": 1}'
    problem = assert_problem(
        invoke("create_product", with_content_type(event("create_product", body=body), content_type)), 415
    )
    assert "charset" in problem["detail"]
    assert nothing_stored(invoke)


def test_given_body_that_was_not_utf8_when_creating_then_422_and_nothing_stored(invoke):
    # API Gateway hands a text body on with U+FFFD in place of each byte that is not UTF-8.
    body = '{"name": "\ufffd\ufffd", "category": "qa", "price_cents": 1, "stock": 1}'
    problem = assert_problem(invoke("create_product", event("create_product", body=body)), 422, "validation-failed")
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [(["body"], "utf8_invalid")]
    assert nothing_stored(invoke)


def test_given_escaped_replacement_character_when_creating_then_kept_as_sent(invoke):
    body = '{"name": "Caf\\ufffd", "category": "qa", "price_cents": 1, "stock": 1}'
    response = invoke("create_product", event("create_product", body=body))
    assert response["statusCode"] == 201 and body_of(response)["name"] == "Caf\ufffd"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (base64.b64encode(b'{"name": "Caf\xe9", "category": "qa", "price_cents": 1, "stock": 1}').decode(), 422),
        ("not base64!", 422),
        (base64.b64encode('{"name": "Café", "category": "qa", "price_cents": 1, "stock": 1}'.encode()).decode(), 201),
    ],
)
def test_given_base64_encoded_body_when_creating_then_read_as_utf8_only(invoke, raw, status):
    response = invoke("create_product", event("create_product", body=raw, isBase64Encoded=True))
    assert response["statusCode"] == status, response
    if status == 201:
        assert body_of(response)["name"] == "Café"
    else:
        assert_problem(response, 422, "validation-failed")


# Free text: one rule for every field (shop.common.types): no control, format or invisible characters.


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("name", "Kettle\x00", ["body", "name"]),
        ("name", "\u202eelttek", ["body", "name"]),
        ("name", "\x1b[31mred\x1b[0m", ["body", "name"]),
        ("name", "zero\u200bwidth", ["body", "name"]),
        ("name", "\x1fstripped?", ["body", "name"]),
        ("name", "bom\ufeff", ["body", "name"]),
        ("name", "line\u2028separator", ["body", "name"]),
        ("brand", "\u2066isolate\u2069", ["body", "brand"]),
        ("category", "next\x85line", ["body", "category"]),
        ("description", "bell\x07", ["body", "description"]),
        ("description", "\u202dforce", ["body", "description"]),
        ("tags", ["ok", "soft\xadhyphen"], ["body", "tags", 1]),
    ],
)
def test_given_control_or_invisible_character_in_text_when_creating_then_422_naming_the_field(
    invoke, field, value, loc
):
    body = {"name": "Kettle", "category": "kitchen", "price_cents": 1, "stock": 1, field: value}
    problem = assert_problem(invoke("create_product", event("create_product", body=body)), 422, "validation-failed")
    assert [(issue["loc"], issue["type"]) for issue in problem["errors"]] == [(loc, "text_character")]
    assert "U+" in problem["errors"][0]["msg"]
    assert nothing_stored(invoke)


def test_given_control_character_when_patching_then_422_and_unchanged(invoke, created):
    patch = with_product(event("update_product", body={"name": "Ket\x00tle"}), created["id"])
    problem = assert_problem(invoke("update_product", patch), 422, "validation-failed")
    assert [issue["loc"] for issue in problem["errors"]] == [["body", "name"]]
    assert body_of(invoke("get_product", with_product(event("get_product"), created["id"])))["version"] == 1


def test_given_joiners_emoji_and_multiline_description_when_creating_then_kept(invoke):
    body = {
        "name": "می\u200cخواهم 👩\u200d💻",  # ZWNJ in Persian, ZWJ in an emoji sequence
        "description": "Line one\n\tLine two\r\nLine three",
        "category": "kitchen",
        "price_cents": 1,
        "stock": 1,
    }
    response = invoke("create_product", event("create_product", body=body))
    assert response["statusCode"] == 201, response
    assert {k: body_of(response)[k] for k in ("name", "description")} == {k: body[k] for k in ("name", "description")}
