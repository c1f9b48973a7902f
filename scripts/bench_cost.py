"""Cost of 1 million mixed requests, from the cold-start bench's figures (scripts/bench.py) and a request mix.

`python -m scripts.bench_cost FIGURES.json` (written by `BENCH_JSON=FIGURES.json make bench`), or called by the
bench itself. Every request is one Lambda invocation: signed-in routes are checked by API Gateway's Cognito
authorizer, which has no function and no charge of its own. Durations are this machine's (warm: the second
invocation; cold: init + first request); a 512 MB Lambda has about a third of a vCPU, so they are a lower bound of
what Lambda bills. DynamoDB units assume
items under 1 KB (writes) and 4 KB (reads), as the shop's are, and a cart of CART_LINES products. Prices are
us-east-1's list prices (arm64 Lambda, REST API, on-demand DynamoDB) at the time of writing.
"""

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUESTS = 1_000_000
LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_PER_GB_SECOND = 0.0000133334  # arm64
API_GATEWAY_PER_REQUEST = 3.50 / 1e6  # REST API, first 333 million a month
READ_UNIT = 0.125 / 1e6  # on-demand
WRITE_UNIT = 0.625 / 1e6
SNAPSTART_RESTORE_PER_GB = 0.0001397998
# Share of invocations that start a new environment: traffic-dependent; 1 % is a busy API's order of magnitude.
COLD_SHARE = 0.01
CART_LINES = 3
MEMORY_MB = {"CorsPreflightFunction": 256}
DEFAULT_MEMORY_MB = 512


@dataclass(frozen=True)
class Route:
    name: str
    function: str
    share: float  # of all requests
    read_units: float
    write_units: float


# Read units: strongly consistent GetItem/BatchGetItem 1 per item, eventually consistent 0.5, a Query 1 per 4 KB.
# Write units: 1 per item written, 2 per item in a transaction; a product's or order's write also writes its
# index entries (2 GSIs for products, 1 for orders).
MIX = [
    Route("GET /products/{id}", "GetProductFunction", 0.29, 0.5, 0),
    Route("GET /products", "ListProductsFunction", 0.20, 1.5, 0),  # a page of 20 items, eventually consistent
    Route("GET /search", "SearchFunction", 0.20, 0, 0),  # OpenSearch only
    Route("GET /cart", "GetCartFunction", 0.08, 1 + CART_LINES, 0),  # the cart, then its products
    Route("PUT /cart/items/{id}", "PutCartItemFunction", 0.10, 0.5 + CART_LINES, 1),
    Route("DELETE /cart/items/{id}", "DeleteCartItemFunction", 0.02, CART_LINES, 1),
    # Checkout: the cart, its products, one transaction (products, order, cart: 2 units each, and the order's
    # index entry); the order is its own idempotency record, so nothing else is written.
    Route("POST /orders", "CreateOrderFunction", 0.03, 1 + CART_LINES, 2 * (CART_LINES + 2) + 1),
    Route("GET /orders", "ListOrdersFunction", 0.03, 1, 0),
    Route("GET /orders/{id}", "GetOrderFunction", 0.03, 1, 0),
    Route("OPTIONS (CORS preflight)", "CorsPreflightFunction", 0.02, 0, 0),
]


def billed_seconds(seconds: float) -> float:
    return math.ceil(seconds * 1000) / 1000  # Lambda bills by the millisecond


def gb(function: str) -> float:
    return MEMORY_MB.get(function, DEFAULT_MEMORY_MB) / 1024


def invocation_cost(figures: dict[str, Any], function: str, variant: str) -> float:
    """Dollars per invocation of `function`: request, warm duration, and its share of cold starts."""
    figure = figures[function]["bytecode"]
    warm = billed_seconds(figure["second_request"]) * gb(function) * LAMBDA_PER_GB_SECOND
    if variant == "snapstart":
        # A restore instead of init: billed per GB restored; the first request still makes its clients.
        cold = SNAPSTART_RESTORE_PER_GB * gb(function) + figure["first_request"] * gb(function) * LAMBDA_PER_GB_SECOND
    else:
        init = figures[function]["source" if variant == "no bytecode" else "bytecode"]["seconds"]
        cold = billed_seconds(init) * gb(function) * LAMBDA_PER_GB_SECOND
    return LAMBDA_PER_REQUEST + warm + COLD_SHARE * cold


def route_costs(figures: dict[str, Any], variant: str) -> list[tuple[Route, float, float, float]]:
    """Per route: Lambda, API Gateway, DynamoDB dollars per request."""
    rows = []
    for route in MIX:
        lambda_cost = invocation_cost(figures, route.function, variant)
        dynamodb = route.read_units * READ_UNIT + route.write_units * WRITE_UNIT
        rows.append((route, lambda_cost, API_GATEWAY_PER_REQUEST, dynamodb))
    return rows


def report(figures: dict[str, Any]) -> None:
    missing = {route.function for route in MIX} - figures.keys()
    if missing:
        print(f"\nCost per request: needs every API function's figures (missing {', '.join(sorted(missing))})")
        return
    print(f"\nCost of {REQUESTS:,} mixed requests (us-east-1 list prices; {COLD_SHARE:.0%} cold starts; dollars)")
    print(f"  {'route':26s} {'share':>5s} {'lambda':>8s} {'api gw':>8s} {'dynamodb':>8s} {'total':>8s}")
    totals = [0.0, 0.0, 0.0]
    for route, lambda_cost, api, dynamodb in route_costs(figures, "as shipped"):
        count = REQUESTS * route.share
        parts = [lambda_cost * count, api * count, dynamodb * count]
        totals = [total + part for total, part in zip(totals, parts, strict=True)]
        print(
            f"  {route.name:26s} {route.share:5.0%} {parts[0]:8.3f} {parts[1]:8.3f} {parts[2]:8.3f} {sum(parts):8.3f}"
        )
    print(f"  {'all':26s} {'':5s} {totals[0]:8.3f} {totals[1]:8.3f} {totals[2]:8.3f} {sum(totals):8.3f}")
    print("  The same mix, Lambda's part only, by choice:")
    for variant in ("as shipped", "no bytecode", "snapstart"):
        lambda_total = sum(REQUESTS * route.share * cost for route, cost, _, _ in route_costs(figures, variant))
        print(f"    {variant:26s} {lambda_total:8.3f}")


if __name__ == "__main__":
    report(json.loads(Path(sys.argv[1]).read_text()))
