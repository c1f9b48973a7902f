"""RFC 9457 problem details: one table from every context's error types to the answer the API gives.

Errors are mapped to problems by exception type here and nowhere else; the errors themselves know nothing of HTTP.
"""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from shop.catalog.errors import InvalidPrecondition, ProductNotFound, VersionMismatch
from shop.commerce.errors import (
    CartEmpty,
    CartFull,
    CheckoutUnavailable,
    IdempotencyKeyReused,
    InvalidTransition,
    MixedCurrencies,
    OrderNotFound,
    OutOfStock,
    TooManyConflicts,
)
from shop.common.errors import Forbidden, InvalidCursor, ShopError, Unauthenticated, UnsupportedMediaType
from shop.common.request_body import MAX_INTEGER_DIGITS, MAX_JSON_DEPTH
from shop.search.errors import InvalidSearch, SearchUnavailable

PROBLEM_JSON = "application/problem+json"


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ValidationIssue] | None = None


@dataclass(frozen=True)
class ProblemType:
    status: HTTPStatus
    slug: str
    title: str

    @property
    def uri(self) -> str:
        return f"urn:shop:problem:{self.slug}"


PROBLEM_TYPES: dict[type[ShopError], ProblemType] = {
    # Every route: the caller, the request's form, paging.
    Unauthenticated: ProblemType(HTTPStatus.UNAUTHORIZED, "unauthenticated", "Authentication required"),
    Forbidden: ProblemType(HTTPStatus.FORBIDDEN, "forbidden", "Not allowed"),
    UnsupportedMediaType: ProblemType(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Request body must be JSON"
    ),
    InvalidCursor: ProblemType(HTTPStatus.BAD_REQUEST, "invalid-cursor", "Invalid pagination cursor"),
    # Catalog.
    ProductNotFound: ProblemType(HTTPStatus.NOT_FOUND, "product-not-found", "Product not found"),
    VersionMismatch: ProblemType(
        HTTPStatus.PRECONDITION_FAILED,
        "version-mismatch",
        "Product version has changed",
    ),
    InvalidPrecondition: ProblemType(HTTPStatus.BAD_REQUEST, "invalid-precondition", "Invalid If-Match header"),
    # Search.
    InvalidSearch: ProblemType(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-search", "Search parameters conflict"),
    SearchUnavailable: ProblemType(HTTPStatus.SERVICE_UNAVAILABLE, "search-unavailable", "Search is unavailable"),
    # Commerce: carts, checkout, orders.
    CartEmpty: ProblemType(HTTPStatus.UNPROCESSABLE_ENTITY, "cart-empty", "Cart is empty"),
    MixedCurrencies: ProblemType(HTTPStatus.UNPROCESSABLE_ENTITY, "mixed-currencies", "Cart mixes currencies"),
    CartFull: ProblemType(HTTPStatus.CONFLICT, "cart-full", "Cart is full"),
    OutOfStock: ProblemType(HTTPStatus.CONFLICT, "out-of-stock", "Not enough stock"),
    TooManyConflicts: ProblemType(HTTPStatus.CONFLICT, "too-many-conflicts", "Concurrent changes; try again"),
    OrderNotFound: ProblemType(HTTPStatus.NOT_FOUND, "order-not-found", "Order not found"),
    InvalidTransition: ProblemType(HTTPStatus.CONFLICT, "invalid-status-transition", "Order status cannot change so"),
    IdempotencyKeyReused: ProblemType(
        HTTPStatus.CONFLICT, "idempotency-key-reused", "Idempotency-Key reused with a different body"
    ),
    CheckoutUnavailable: ProblemType(HTTPStatus.SERVICE_UNAVAILABLE, "checkout-unavailable", "Checkout is unavailable"),
}
VALIDATION = ProblemType(HTTPStatus.UNPROCESSABLE_ENTITY, "validation-failed", "Request is not valid")
ROUTE_NOT_FOUND = ProblemType(HTTPStatus.NOT_FOUND, "route-not-found", "No such route")
INTERNAL = ProblemType(HTTPStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error")


def problem_type_of(error: ShopError) -> ProblemType:
    for cls in type(error).__mro__:
        if cls in PROBLEM_TYPES:
            return PROBLEM_TYPES[cls]
    return INTERNAL


def problem_of(kind: ProblemType, detail: str | None, errors: list[ValidationIssue] | None = None) -> Problem:
    return Problem(type=kind.uri, title=kind.title, status=kind.status, detail=detail, errors=errors)


def problem_response(
    kind: ProblemType, detail: str | None, errors: list[ValidationIssue] | None = None
) -> Response[str]:
    return Response(
        status_code=kind.status,
        content_type=PROBLEM_JSON,
        body=problem_of(kind, detail, errors).model_dump_json(exclude_none=True),
    )


# What a problem status means wherever a route documents it; other statuses are described by their phrase.
PROBLEM_DESCRIPTIONS = {
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not JSON in UTF-8: Content-Type must be application/json "
    "(in any case) with no charset or charset=utf-8",
    HTTPStatus.UNPROCESSABLE_ENTITY: "A parameter, header or body field is not valid (each named in `errors`); "
    f"or the body is not UTF-8, not JSON, nested deeper than {MAX_JSON_DEPTH} levels, or holds an integer of "
    f"more than {MAX_INTEGER_DIGITS} digits",
}


def problem_docs(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` entries for the problem answers a route can give (by HTTP status)."""
    return {
        int(status): {
            "description": PROBLEM_DESCRIPTIONS.get(HTTPStatus(status), HTTPStatus(status).phrase),
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
        for status in statuses
    }


def answers(status: int, description: str, model: type[BaseModel] | None, *problems: int) -> dict[int, Any]:
    """A route's OpenAPI `responses`: its answer under `status` (`model` as JSON; None for an empty body) and the
    problems it can give, by HTTP status."""
    answer: dict[str, Any] = {"description": description}
    if model is not None:
        answer["content"] = {"application/json": {"model": model}}
    return {int(status): answer, **problem_docs(*problems)}
