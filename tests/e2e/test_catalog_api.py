"""The catalog contract over HTTP, through API Gateway emulation, its user-pool authorizer and the functions."""

import json
import uuid

import pytest
import requests

PRODUCT = {
    "name": "Northbeat Studio Monitor",
    "description": "Active 5-inch nearfield monitor.",
    "category": "audio",
    "brand": "Northbeat",
    "price_cents": 24900,
    "stock": 12,
    "tags": ["studio", "hi-fi"],
}
UNKNOWN_ID = str(uuid.UUID(int=0, version=4))


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return problem


@pytest.fixture
def product(stack, admin) -> dict:
    response = requests.post(
        f"{stack.url}/products", json={**PRODUCT, "category": f"e2e-{uuid.uuid4().hex[:8]}"}, headers=admin, timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_given_stack_when_health_checked_anonymously_then_ok(stack):
    response = requests.get(f"{stack.url}/health", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_given_admin_when_creating_then_201_location_points_at_product(stack, admin):
    response = requests.post(f"{stack.url}/products", json=PRODUCT, headers=admin, timeout=30)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == f"/products/{created['id']}"  # the local API has no stage prefix
    fetched = requests.get(f"{stack.url}{response.headers['Location']}", timeout=30)
    assert fetched.status_code == 200 and fetched.json() == created
    assert fetched.headers["ETag"] == '"1"'
    assert created["currency"] == "USD" and created["version"] == 1


def test_given_full_lifecycle_when_patched_with_etags_then_versions_and_412(stack, admin, product):
    url = f"{stack.url}/products/{product['id']}"
    first = requests.patch(url, json={"stock": 3}, headers={**admin, "If-Match": '"1"'}, timeout=30)
    assert first.status_code == 200 and first.json()["version"] == 2 and first.headers["ETag"] == '"2"'
    stale = requests.patch(url, json={"stock": 4}, headers={**admin, "If-Match": '"1"'}, timeout=30)
    assert_problem(stale, 412)
    assert requests.get(url, timeout=30).json()["stock"] == 3
    assert requests.delete(url, headers=admin, timeout=30).status_code == 204
    assert_problem(requests.get(url, timeout=30), 404)
    assert_problem(requests.delete(url, headers=admin, timeout=30), 404)
    assert_problem(requests.patch(url, json={"stock": 1}, headers=admin, timeout=30), 404)


# The auth matrix: every route, each kind of caller.
ROUTES = [
    ("GET", "/health", None, False),
    ("GET", "/products", None, False),
    ("GET", "/products/{id}", None, False),
    ("POST", "/products", PRODUCT, True),
    ("PATCH", "/products/{id}", {"stock": 1}, True),
    ("DELETE", "/products/{id}", None, True),
]


def call(stack, method, path, body, product_id, headers):
    return requests.request(
        method, stack.url + path.replace("{id}", product_id), json=body, headers=headers, timeout=30
    )


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), ROUTES)
def test_given_anonymous_caller_then_public_routes_answer_and_admin_routes_401(
    stack, product, method, path, body, admin_only
):
    response = call(stack, method, path, body, product["id"], {})
    if admin_only:
        assert_problem(response, 401)
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), ROUTES)
def test_given_customer_then_public_routes_answer_and_admin_routes_403(
    stack, customer, product, method, path, body, admin_only
):
    response = call(stack, method, path, body, product["id"], customer)
    if admin_only:
        assert_problem(response, 403)
        assert requests.get(f"{stack.url}/products/{product['id']}", timeout=30).json() == product
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), ROUTES)
def test_given_admin_then_every_route_succeeds(stack, admin, product, method, path, body, admin_only):
    response = call(stack, method, path, body, product["id"], admin)
    assert response.status_code in {200, 201, 204}, response.text


BAD_TOKENS = {
    "garbage": lambda stack: "not-a-jwt",
    "expired": lambda stack: stack.token("admin-1", ["admin"], exp=1),
    "wrong-issuer": lambda stack: stack.token("admin-1", ["admin"], iss="https://elsewhere.example"),
    "other-client": lambda stack: stack.token("admin-1", ["admin"], aud="another-app"),
    "access-token": lambda stack: stack.token("admin-1", ["admin"], token_use="access", aud=None, client_id="x"),
    "truncated-signature": lambda stack: stack.token("admin-1", ["admin"])[:-8],
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
@pytest.mark.parametrize(("method", "path", "body"), [(m, p, b) for m, p, b, admin_only in ROUTES if admin_only])
def test_given_bad_token_when_calling_admin_route_then_401(stack, product, kind, method, path, body):
    headers = {"Authorization": f"Bearer {BAD_TOKENS[kind](stack)}", "Origin": "http://127.0.0.1:5173"}
    response = call(stack, method, path, body, product["id"], headers)
    assert_problem(response, 401)
    # The gateway's own answer, readable by the storefront's page, which signs the user out on a 401.
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("authorization", ["Basic YWRtaW46YWRtaW4=", "Bearer", "token-without-scheme"])
def test_given_malformed_authorization_header_then_401(stack, authorization):
    assert_problem(
        requests.post(f"{stack.url}/products", json=PRODUCT, headers={"Authorization": authorization}, timeout=30), 401
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PRODUCT, "price_cents": 19.99}, "price_cents"),
        ({**PRODUCT, "name": ""}, "name"),
        ({**PRODUCT, "currency": "XXX1"}, "currency"),
        ({**PRODUCT, "surprise": True}, "surprise"),
        ({k: v for k, v in PRODUCT.items() if k != "stock"}, "stock"),
        ({**PRODUCT, "tags": [str(i) for i in range(21)]}, "tags"),
    ],
)
def test_given_invalid_body_when_creating_then_422_naming_field(stack, admin, body, field):
    problem = assert_problem(requests.post(f"{stack.url}/products", json=body, headers=admin, timeout=30), 422)
    assert any(issue["loc"][:2] == ["body", field] for issue in problem["errors"]), problem


def test_given_malformed_json_when_creating_then_422(stack, admin):
    response = requests.post(
        f"{stack.url}/products", data="{oops", headers={**admin, "Content-Type": "application/json"}, timeout=30
    )
    assert_problem(response, 422)


def test_given_category_when_paging_then_newest_first_all_once_and_tampered_cursor_rejected(stack, admin):
    category = f"paging-{uuid.uuid4().hex[:8]}"
    ids = []
    for index in range(5):
        response = requests.post(
            f"{stack.url}/products",
            json={**PRODUCT, "name": f"P{index}", "category": category},
            headers=admin,
            timeout=30,
        )
        ids.append(response.json()["id"])
    seen, cursor = [], None
    while True:
        params = {"category": category, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{stack.url}/products", params=params, timeout=30)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    first = requests.get(f"{stack.url}/products", params={"category": category, "limit": 2}, timeout=30).json()
    tampered = first["next_cursor"][:-3] + ("A" if first["next_cursor"][-3] != "A" else "B") + first["next_cursor"][-2:]
    for cursor in (tampered, "%%%", first["next_cursor"] + "x" * 10):
        response = requests.get(f"{stack.url}/products", params={"category": category, "cursor": cursor}, timeout=30)
        assert response.status_code in {400, 422}, response.text
    other = requests.get(
        f"{stack.url}/products", params={"category": "elsewhere", "cursor": first["next_cursor"]}, timeout=30
    )
    assert_problem(other, 400)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"category": "c" * 101}])
def test_given_bad_list_query_then_422(stack, params):
    assert_problem(requests.get(f"{stack.url}/products", params=params, timeout=30), 422)


def test_given_unknown_or_malformed_product_id_then_404_product_not_found(stack, admin):
    for product_id in (UNKNOWN_ID, "not-an-id", UNKNOWN_ID[:-1]):
        url = f"{stack.url}/products/{product_id}"
        for response in (
            requests.get(url, timeout=30),
            requests.patch(url, json={"stock": 1}, headers=admin, timeout=30),
            requests.delete(url, headers=admin, timeout=30),
        ):
            assert assert_problem(response, 404)["type"] == "urn:shop:problem:product-not-found"


def test_given_uppercase_product_id_then_the_same_product(stack, admin, product):
    url = f"{stack.url}/products/{product['id'].upper()}"
    assert requests.get(url, timeout=30).json() == product
    patched = requests.patch(url, json={"stock": 2}, headers={**admin, "If-Match": '"1"'}, timeout=30)
    assert patched.status_code == 200 and patched.json()["id"] == product["id"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nowhere"), ("PUT", "/products"), ("POST", "/health"), ("HEAD", "/health")]
)
def test_given_unknown_route_then_404_problem(stack, method, path):
    response = requests.request(method, stack.url + path, timeout=30)
    if method == "HEAD":  # no body to read
        assert response.status_code == 404 and response.headers["Content-Type"] == "application/problem+json"
    else:
        assert_problem(response, 404)


def test_given_body_that_is_not_utf8_when_creating_then_422_not_a_gateway_error(stack, admin):
    response = requests.post(
        f"{stack.url}/products",
        data=b'{"name": "\xff\xfe"}',
        headers={**admin, "Content-Type": "application/json"},
        timeout=30,
    )
    assert_problem(response, 422)


# Request bodies, as a hostile client sends them: a clear 4xx, and nothing stored.


def products_in(stack, category: str) -> list[dict]:
    return requests.get(f"{stack.url}/products", params={"category": category}, timeout=30).json()["items"]


def test_given_product_body_that_is_not_utf8_when_creating_then_422_and_not_stored_as_replacement_characters(
    stack, admin
):
    category = f"e2e-{uuid.uuid4().hex[:8]}"
    body = b'{"name": "\xff\xfe", "category": "' + category.encode() + b'", "price_cents": 1, "stock": 1}'
    response = requests.post(
        f"{stack.url}/products", data=body, headers={**admin, "Content-Type": "application/json"}, timeout=30
    )
    assert [issue["type"] for issue in assert_problem(response, 422)["errors"]] == ["utf8_invalid"]
    assert products_in(stack, category) == []


def test_given_latin1_charset_when_creating_then_415_and_nothing_stored(stack, admin):
    category = f"e2e-{uuid.uuid4().hex[:8]}"
    body = '{"name": "Café", "category": "' + category + '", "price_cents": 1, "stock": 1}'
    response = requests.post(
        f"{stack.url}/products",
        data=body.encode("iso-8859-1"),
        headers={**admin, "Content-Type": "application/json; charset=iso-8859-1"},
        timeout=30,
    )
    assert_problem(response, 415)
    assert products_in(stack, category) == []


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/JSON; Charset=UTF-8"])
def test_given_json_media_type_in_upper_case_when_creating_then_201(stack, admin, content_type):
    response = requests.post(
        f"{stack.url}/products",
        data=json.dumps({**PRODUCT, "name": "Café"}).encode(),
        headers={**admin, "Content-Type": content_type},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Café"


def test_given_10000_levels_of_nesting_on_every_catalog_write_then_422(stack, admin, product):
    nested = '{"a":' * 10_000 + "1" + "}" * 10_000
    url = f"{stack.url}/products"
    headers = {**admin, "Content-Type": "application/json"}
    for response in (
        requests.post(url, data=nested, headers=headers, timeout=30),
        requests.patch(f"{url}/{product['id']}", data=nested, headers=headers, timeout=30),
    ):
        assert [issue["type"] for issue in assert_problem(response, 422)["errors"]] == ["json_too_deep"]
    assert requests.get(f"{url}/{product['id']}", timeout=30).json()["version"] == 1


@pytest.mark.parametrize("field", ["price_cents", "stock"])
def test_given_integer_of_4301_digits_when_creating_then_422_naming_the_field(stack, admin, field):
    category = f"e2e-{uuid.uuid4().hex[:8]}"
    fields = {"name": '"x"', "category": f'"{category}"', "stock": "1", "price_cents": "1", field: "1" + "0" * 4_300}
    body = "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}"
    response = requests.post(
        f"{stack.url}/products", data=body, headers={**admin, "Content-Type": "application/json"}, timeout=30
    )
    assert [issue["loc"] for issue in assert_problem(response, 422)["errors"]] == [["body", field]]
    assert products_in(stack, category) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Kettle\u0000"), ("name", "\u202eelttek"), ("name", "\u001b[31mred"), ("brand", "zero\u200bwidth")],
)
def test_given_control_or_invisible_character_when_creating_then_422_naming_the_field(stack, admin, field, value):
    category = f"e2e-{uuid.uuid4().hex[:8]}"
    response = requests.post(
        f"{stack.url}/products", json={**PRODUCT, "category": category, field: value}, headers=admin, timeout=30
    )
    assert [issue["loc"] for issue in assert_problem(response, 422)["errors"]] == [["body", field]]
    assert products_in(stack, category) == []


def test_given_over_long_if_match_when_patching_then_400(stack, admin, product):
    url = f"{stack.url}/products/{product['id']}"
    response = requests.patch(url, json={"stock": 1}, headers={**admin, "If-Match": '"' + "1" * 200 + '"'}, timeout=30)
    assert assert_problem(response, 400)["type"] == "urn:shop:problem:invalid-precondition"
    assert requests.get(url, timeout=30).json()["version"] == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_given_non_json_content_type_when_creating_then_415(stack, admin, content_type):
    response = requests.post(
        f"{stack.url}/products", data="name=x", headers={**admin, "Content-Type": content_type}, timeout=30
    )
    assert_problem(response, 415)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/products", {}), ("PATCH", "/products/{id}", {"stock": -1}), ("DELETE", "/products/not-an-id", None)],
)
def test_given_customer_with_invalid_request_when_calling_admin_route_then_403_before_validation(
    stack, customer, product, method, path, body
):
    assert_problem(call(stack, method, path, body, product["id"], customer), 403)
