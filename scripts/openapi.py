"""Prints the API's OpenAPI document, merged from every function's own resolver (Powertools).

Each function declares its route, models and responses; this stitches them into one document, so
the contract cannot drift from the code. `make openapi` writes it to openapi.json; a test keeps the
committed file current, and schemathesis tests the local stack against it.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Importing a handler is a cold start: give the settings models something to validate.
IMPORT_ENVIRONMENT = {
    "TABLE_NAME": "openapi",
    "IDEMPOTENCY_TABLE_NAME": "openapi-idempotency",
    "CURSOR_SIGNING_KEY": "openapi-generation-only-cursor-key",
    "JWT_ISSUER": "openapi",
    "JWT_AUDIENCE": "openapi",
    "JWKS_URL": "http://127.0.0.1/jwks.json",
    "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9200",
    "OPENSEARCH_AUTH": "none",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "shop",
    "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
}


def openapi_json() -> str:
    for name, value in IMPORT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    sys.path[:0] = [str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT)]
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    merge = OpenAPIMerge(
        title="Shop API",
        version="1.0.0",
        description="Serverless shop backend. Errors are RFC 9457 problem details (application/problem+json).",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        on_conflict="error",
    )
    for code_dir in api_function_dirs():
        merge.add_file(code_dir / "app.py")
    document = json.loads(merge.get_openapi_json_schema())
    drop_no_content_bodies(document)
    add_links(document)
    return json.dumps(document, indent=2, ensure_ascii=False)


PRODUCT = "/products/{product_id}"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
ETAG = '"{$response.body#/version}"'  # a product's ETag: its version, quoted (a runtime expression in a string)
CART_ITEM = "/cart/items/{product_id}"
ORDER = "/orders/{order_id}"
# How one operation's answer feeds the next (OpenAPI links): a client's paths through the API, which stateful
# tests (schemathesis) follow. (method, path, status) -> {link name: (method, path, {parameter: expression}[,
# request body])}. A product: create, read, update (If-Match: its version), delete, put in the cart (one); an
# order: the cart, checkout (to a deliverable address), read, cancel, ship. Every operation with links out is
# also where schemathesis starts chains with generated input: a cancel or a listing would start many that end at
# once, so none leaves them.
Link = tuple[str, str, dict[str, str]] | tuple[str, str, dict[str, str], object]
LINKS: dict[tuple[str, str, str], dict[str, Link]] = {
    ("post", "/products", "201"): {
        "GetProduct": ("get", PRODUCT, {"path.product_id": "$response.body#/id"}),
        "UpdateProduct": (
            "patch",
            PRODUCT,
            {"path.product_id": "$response.body#/id", "header.if-match": ETAG},
        ),
        "DeleteProduct": ("delete", PRODUCT, {"path.product_id": "$response.body#/id"}),
        "PutProductInCart": ("put", CART_ITEM, {"path.product_id": "$response.body#/id"}, {"quantity": 1}),
    },
    ("get", PRODUCT, "200"): {
        "UpdateProduct": ("patch", PRODUCT, {"path.product_id": "$response.body#/id", "header.if-match": ETAG}),
        "PutProductInCart": ("put", CART_ITEM, {"path.product_id": "$response.body#/id"}, {"quantity": 1}),
    },
    ("patch", PRODUCT, "200"): {
        "GetProduct": ("get", PRODUCT, {"path.product_id": "$response.body#/id"}),
        "UpdateProductAgain": (
            "patch",
            PRODUCT,
            {"path.product_id": "$response.body#/id", "header.if-match": ETAG},
        ),
        "DeleteProduct": ("delete", PRODUCT, {"path.product_id": "$response.body#/id"}),
    },
    ("delete", PRODUCT, "204"): {
        "GetDeletedProduct": ("get", PRODUCT, {"path.product_id": "$request.path.product_id"}),
    },
    ("put", CART_ITEM, "200"): {
        "GetCart": ("get", "/cart", {}),
        "RemoveFromCart": ("delete", CART_ITEM, {"path.product_id": "$request.path.product_id"}),
        "Checkout": ("post", "/orders", {}, {"shipping_address": ADDRESS}),
    },
    ("post", "/orders", "201"): {
        "GetOrder": ("get", ORDER, {"path.order_id": "$response.body#/id"}),
        "CancelOrder": ("post", f"{ORDER}/cancel", {"path.order_id": "$response.body#/id"}),
        "ShipOrder": ("put", f"{ORDER}/status", {"path.order_id": "$response.body#/id"}),
    },
    ("get", ORDER, "200"): {
        "CancelOrder": ("post", f"{ORDER}/cancel", {"path.order_id": "$response.body#/id"}),
    },
    ("put", f"{ORDER}/status", "200"): {
        "GetOrder": ("get", ORDER, {"path.order_id": "$response.body#/id"}),
        "CancelOrder": ("post", f"{ORDER}/cancel", {"path.order_id": "$response.body#/id"}),
    },
}


def drop_no_content_bodies(document: dict[str, Any]) -> None:
    """A 204 has no content (RFC 9110 15.3.5); Powertools documents a `-> Response[None]` handler's as JSON null."""
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"].get("204", {}).pop("content", None)


def add_links(document: dict[str, Any]) -> None:
    """Add LINKS to the responses they start from, naming the target operations by their operationId."""
    paths = document["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {}
        for name, (target_method, target_path, parameters, *body) in links.items():
            link: dict[str, Any] = {"operationId": paths[target_path][target_method]["operationId"]}
            if parameters:
                link["parameters"] = parameters
            if body:
                link["requestBody"] = body[0]
            response["links"][name] = link


def api_function_dirs() -> list[Path]:
    """Code dirs of the template's functions that serve API events."""
    from devstack.template import load_template, resources_of_type

    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    return sorted(
        REPO_ROOT / properties["CodeUri"]
        for properties in functions.values()
        if any(source.get("Type") == "Api" for source in properties.get("Events", {}).values())
    )


if __name__ == "__main__":
    print(openapi_json())
