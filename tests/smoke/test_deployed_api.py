"""Smoke tests of a deployed shop API: plain HTTP, no credentials, nothing written.

The pipeline runs them against staging (buildspec-integration.yml, SHOP_API_URL = the stack's ApiUrl);
test_against_local_stack.py runs the very same functions against a local stack in `make test`, so a test that
could not pass against a real stack fails there first. Each test holds for any catalog, empty or not.
"""

import uuid

import pytest
import requests

TIMEOUT = 30  # a cold start of a function with the layer, behind API Gateway, takes a few seconds


def get(url: str, **params: object) -> requests.Response:
    return requests.get(url, params=params, timeout=TIMEOUT)


def assert_problem(response: requests.Response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"], problem
    if slug is not None:
        assert problem["type"] == f"urn:shop:problem:{slug}", problem
    assert "Traceback" not in response.text and 'File "' not in response.text
    return problem


def assert_product(item: dict) -> None:
    assert {"id", "name", "category", "price_cents", "currency", "stock", "version"} <= item.keys(), item
    assert isinstance(item["price_cents"], int) and isinstance(item["stock"], int)


def test_given_deployed_api_when_health_checked_then_ok(api_url):
    response = get(f"{api_url}/health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


def test_given_catalog_when_listing_a_page_then_items_and_a_cursor(api_url):
    response = get(f"{api_url}/products", limit=2)
    assert response.status_code == 200, response.text
    page = response.json()
    assert set(page) == {"items", "next_cursor"}
    assert len(page["items"]) <= 2
    for item in page["items"]:
        assert_product(item)
    if page["next_cursor"] is not None:
        following = get(f"{api_url}/products", limit=2, cursor=page["next_cursor"])
        assert following.status_code == 200, following.text
        assert following.json()["items"], "a cursor was given, so there is a next page"
        assert not {item["id"] for item in page["items"]} & {item["id"] for item in following.json()["items"]}


def test_given_search_query_when_searching_then_items_total_and_facets(api_url):
    response = get(f"{api_url}/search", q="wireless headphones", limit=3)
    assert response.status_code == 200, response.text
    results = response.json()
    assert {"items", "total", "facets", "next_cursor"} <= results.keys()
    assert isinstance(results["total"], int) and len(results["items"]) <= 3
    assert {"category", "brand", "price"} <= results["facets"].keys()
    for item in results["items"]:
        assert_product(item)
        assert isinstance(item["highlight"], dict)


def test_given_unknown_product_id_when_fetched_then_404_problem(api_url):
    assert_problem(get(f"{api_url}/products/{uuid.uuid4()}"), 404, "product-not-found")


def test_given_malformed_product_id_when_fetched_then_404_problem(api_url):
    assert_problem(get(f"{api_url}/products/not-a-uuid"), 404, "product-not-found")


@pytest.mark.parametrize(
    ("path", "params"),
    [("/products", {"limit": "0"}), ("/search", {"sort": "cheapest"}), ("/search", {"min_price": "-1"})],
)
def test_given_malformed_query_parameter_then_422_problem(api_url, path, params):
    assert_problem(get(f"{api_url}{path}", **params), 422)


def test_given_forged_cursor_when_listing_then_400_problem(api_url):
    assert_problem(get(f"{api_url}/products", cursor="not-a-cursor"), 400, "invalid-cursor")


PROTECTED = [
    ("GET", "/cart", None),
    ("POST", "/orders", {"shipping_address": {"name": "Smoke Test"}}),
    ("POST", "/products", {"name": "Smoke Test", "category": "smoke", "price_cents": 1, "stock": 0}),
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_given_no_token_when_calling_a_protected_route_then_401_problem(api_url, method, path, body):
    response = requests.request(method, f"{api_url}{path}", json=body, timeout=TIMEOUT)
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_given_a_token_that_is_not_a_jwt_when_calling_a_protected_route_then_401_problem(api_url, method, path, body):
    # Reaches the user-pool authorizer (a header is present), which must refuse it.
    headers = {"Authorization": "Bearer not-a-jwt"}
    response = requests.request(method, f"{api_url}{path}", json=body, headers=headers, timeout=TIMEOUT)
    assert_problem(response, 401, "unauthenticated")


def test_given_unknown_route_then_404_problem(api_url):
    assert_problem(get(f"{api_url}/no-such-route"), 404)
