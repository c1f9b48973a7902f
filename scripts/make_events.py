"""Writes events/*.json: API Gateway proxy events for each route, in the shape `sam local` sends,
and a DynamoDB stream batch for the indexer, in the shape Lambda sends.

Run `python -m scripts.make_events` after changing routes; handler tests load these files, and they
work with `sam local invoke <Function> -e events/<name>.json`.
"""

import json
from pathlib import Path
from typing import Any

from devstack.issuer import CLIENT_ID, ISSUER
from devstack.userpool import gateway_claims

EVENTS = Path(__file__).resolve().parent.parent / "events"
PRODUCT_ID = "0b4c7a1e-3f6d-4a5b-9c8d-112233445566"
ORDER_ID = "5d1c2b3a-4e5f-4a6b-8c7d-99aabbccddee"
SIGNED_IN_AT = 1795780000  # a fixed time: the files do not change from one run to the next


def user_pool_authorizer(user_id: str, groups: list[str]) -> dict[str, Any]:
    """`requestContext.authorizer` as API Gateway's user-pool authorizer fills it: the ID token's claims, as text."""
    claims = {
        "sub": user_id,
        "cognito:groups": groups,
        "iss": ISSUER,
        "cognito:username": user_id,
        "aud": CLIENT_ID,
        "token_use": "id",
        "auth_time": SIGNED_IN_AT,
        "iat": SIGNED_IN_AT,
        "exp": SIGNED_IN_AT + 3600,
    }
    return {"claims": gateway_claims(claims)}


ADMIN = user_pool_authorizer("admin-1", ["admin"])
CUSTOMER = user_pool_authorizer("customer-1", ["customer"])


def proxy_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    all_headers = {"Host": "localhost:3000", "User-Agent": "curl/8.5.0", "Accept": "*/*", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "1234567890",
        "domainName": "localhost:3000",
        "extendedRequestId": None,
        "httpMethod": method,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"},
        "path": f"/v1{path}",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "27/Nov/2026:12:00:00 +0000",
        "requestTimeEpoch": 1795780800,
        "resourceId": "123456",
        "resourcePath": resource,
        "stage": "v1",
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    return {
        "body": json.dumps(body) if body is not None else None,
        "headers": all_headers,
        "httpMethod": method,
        "isBase64Encoded": False,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "multiValueQueryStringParameters": query,
        "path": path,
        "pathParameters": path_parameters,
        # Single-valued view: API Gateway keeps the last value of a repeated parameter.
        "queryStringParameters": {name: values[-1] for name, values in query.items()} if query else None,
        "requestContext": request_context,
        "resource": resource,
        "stageVariables": None,
        "version": "1.0",
    }


STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/shop-dev-ShopTable/stream/2026-11-27T12:00:00.000"


def product_image(version: int, price_cents: int) -> dict[str, Any]:
    """A catalog item as the stream carries it (DynamoDB JSON)."""
    return {
        "pk": {"S": f"PRODUCT#{PRODUCT_ID}"},
        "sk": {"S": "PRODUCT"},
        "entity": {"S": "PRODUCT"},
        "id": {"S": PRODUCT_ID},
        "name": {"S": "Wavelength Pro Wireless Headphones"},
        "description": {"S": "Over-ear, noise-cancelling, 30 h battery."},
        "category": {"S": "audio"},
        "brand": {"S": "Wavelength"},
        "price_cents": {"N": str(price_cents)},
        "currency": {"S": "USD"},
        "stock": {"N": "25"},
        "tags": {"L": [{"S": "wireless"}, {"S": "noise-cancelling"}]},
        "created_at": {"S": "2026-11-27T12:00:00.000000Z"},
        "updated_at": {"S": f"2026-11-27T12:0{version - 1}:00.000000Z"},
        "version": {"N": str(version)},
        "gsi1pk": {"S": "PRODUCTS"},
        "gsi1sk": {"S": f"2026-11-27T12:00:00.000000Z#{PRODUCT_ID}"},
        "gsi2pk": {"S": "CATEGORY#audio"},
        "gsi2sk": {"S": f"2026-11-27T12:00:00.000000Z#{PRODUCT_ID}"},
    }


def stream_record(
    sequence: int, event_name: str, new: dict[str, Any] | None, old: dict[str, Any] | None
) -> dict[str, Any]:
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1795780800 + sequence,
        "Keys": {"pk": {"S": f"PRODUCT#{PRODUCT_ID}"}, "sk": {"S": "PRODUCT"}},
        "SequenceNumber": f"{sequence:021d}",
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    return {
        "eventID": f"{sequence:032x}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": STREAM_ARN,
    }


def stream_event() -> dict[str, Any]:
    """A product's life in one batch: created, repriced, deleted."""
    created, repriced = product_image(1, 19999), product_image(2, 17999)
    return {
        "Records": [
            stream_record(100, "INSERT", created, None),
            stream_record(200, "MODIFY", repriced, created),
            stream_record(300, "REMOVE", None, repriced),
        ]
    }


def all_events() -> dict[str, dict[str, Any]]:
    product_path = {"product_id": PRODUCT_ID}
    return {
        "health": proxy_event("GET", "/health", "/health"),
        # A browser's preflight before PATCH /products/{id} from the web frontend's origin.
        "cors_preflight": proxy_event(
            "OPTIONS",
            "/products/{product_id}",
            f"/products/{PRODUCT_ID}",
            path_parameters={"product_id": PRODUCT_ID},
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization,content-type,if-match",
            },
        ),
        "create_product": proxy_event(
            "POST",
            "/products",
            "/products",
            body={
                "name": "Wavelength Pro Wireless Headphones",
                "description": "Over-ear, noise-cancelling, 30 h battery.",
                "category": "audio",
                "brand": "Wavelength",
                "price_cents": 19999,
                "currency": "USD",
                "stock": 25,
                "tags": ["wireless", "noise-cancelling"],
            },
            headers={"Authorization": "Bearer <token>"},
            authorizer=ADMIN,
        ),
        "get_product": proxy_event(
            "GET", "/products/{product_id}", f"/products/{PRODUCT_ID}", path_parameters=product_path
        ),
        "update_product": proxy_event(
            "PATCH",
            "/products/{product_id}",
            f"/products/{PRODUCT_ID}",
            path_parameters=product_path,
            body={"price_cents": 17999, "stock": 20},
            headers={"Authorization": "Bearer <token>", "If-Match": '"1"'},
            authorizer=ADMIN,
        ),
        "delete_product": proxy_event(
            "DELETE",
            "/products/{product_id}",
            f"/products/{PRODUCT_ID}",
            path_parameters=product_path,
            headers={"Authorization": "Bearer <token>"},
            authorizer=ADMIN,
        ),
        "list_products": proxy_event("GET", "/products", "/products", query={"category": ["audio"], "limit": ["20"]}),
        "search_products": proxy_event(
            "GET",
            "/search",
            "/search",
            query={
                "q": ["wireles headphnes"],
                "brand": ["Wavelength", "Sonara"],
                "max_price": ["25000"],
                "in_stock": ["true"],
                "limit": ["10"],
            },
        ),
        "index_products": stream_event(),
        **commerce_events(),
    }


def commerce_events() -> dict[str, dict[str, Any]]:
    """Commerce routes: every one needs a signed-in caller; the status route needs an admin."""
    bearer = {"Authorization": "Bearer <token>"}
    cart_line = {"product_id": PRODUCT_ID}
    order = {"order_id": ORDER_ID}
    address = {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    }
    return {
        "get_cart": proxy_event("GET", "/cart", "/cart", headers=bearer, authorizer=CUSTOMER),
        "put_cart_item": proxy_event(
            "PUT",
            "/cart/items/{product_id}",
            f"/cart/items/{PRODUCT_ID}",
            path_parameters=cart_line,
            body={"quantity": 2},
            headers=bearer,
            authorizer=CUSTOMER,
        ),
        "delete_cart_item": proxy_event(
            "DELETE",
            "/cart/items/{product_id}",
            f"/cart/items/{PRODUCT_ID}",
            path_parameters=cart_line,
            headers=bearer,
            authorizer=CUSTOMER,
        ),
        "create_order": proxy_event(
            "POST",
            "/orders",
            "/orders",
            body={"shipping_address": address},
            headers={**bearer, "Idempotency-Key": "9b2f7c1e-checkout-0001"},
            authorizer=CUSTOMER,
        ),
        "list_orders": proxy_event(
            "GET", "/orders", "/orders", query={"limit": ["20"]}, headers=bearer, authorizer=CUSTOMER
        ),
        "get_order": proxy_event(
            "GET",
            "/orders/{order_id}",
            f"/orders/{ORDER_ID}",
            path_parameters=order,
            headers=bearer,
            authorizer=CUSTOMER,
        ),
        "cancel_order": proxy_event(
            "POST",
            "/orders/{order_id}/cancel",
            f"/orders/{ORDER_ID}/cancel",
            path_parameters=order,
            headers=bearer,
            authorizer=CUSTOMER,
        ),
        "update_order_status": proxy_event(
            "PUT",
            "/orders/{order_id}/status",
            f"/orders/{ORDER_ID}/status",
            path_parameters=order,
            body={"status": "SHIPPED"},
            headers=bearer,
            authorizer=ADMIN,
        ),
    }


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    for name, event in all_events().items():
        (EVENTS / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")


if __name__ == "__main__":
    main()
