"""HTTP plumbing shared by every API function: the resolver, error mapping, identity and headers.

Errors are mapped to RFC 9457 problem details by exception type, here and nowhere else.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from itertools import accumulate
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, OpenAPI
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BeforeValidator, StringConstraints

from shop.cors import cors_config
from shop.errors import (
    CartEmpty,
    CartFull,
    CheckoutUnavailable,
    Forbidden,
    IdempotencyKeyReused,
    InvalidCursor,
    InvalidPrecondition,
    InvalidSearch,
    InvalidTransition,
    MixedCurrencies,
    OrderNotFound,
    OutOfStock,
    ProductNotFound,
    RequestInProgress,
    SearchUnavailable,
    ShopError,
    TooManyConflicts,
    Unauthenticated,
    UnsupportedMediaType,
    VersionMismatch,
)
from shop.models import Problem, ValidationIssue
from shop.observability import logger

PROBLEM_JSON = "application/problem+json"
ADMIN_GROUP = "admin"
# OpenAPI security requirement of the routes behind the Lambda authorizer.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@dataclass(frozen=True)
class ProblemType:
    status: HTTPStatus
    slug: str
    title: str

    @property
    def uri(self) -> str:
        return f"urn:shop:problem:{self.slug}"


PROBLEM_TYPES: dict[type[ShopError], ProblemType] = {
    ProductNotFound: ProblemType(HTTPStatus.NOT_FOUND, "product-not-found", "Product not found"),
    VersionMismatch: ProblemType(
        HTTPStatus.PRECONDITION_FAILED,
        "version-mismatch",
        "Product version has changed",
    ),
    InvalidPrecondition: ProblemType(HTTPStatus.BAD_REQUEST, "invalid-precondition", "Invalid If-Match header"),
    InvalidCursor: ProblemType(HTTPStatus.BAD_REQUEST, "invalid-cursor", "Invalid pagination cursor"),
    Unauthenticated: ProblemType(HTTPStatus.UNAUTHORIZED, "unauthenticated", "Authentication required"),
    Forbidden: ProblemType(HTTPStatus.FORBIDDEN, "forbidden", "Not allowed"),
    UnsupportedMediaType: ProblemType(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Request body must be JSON"
    ),
    InvalidSearch: ProblemType(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-search", "Search parameters conflict"),
    SearchUnavailable: ProblemType(HTTPStatus.SERVICE_UNAVAILABLE, "search-unavailable", "Search is unavailable"),
}
# --- Commerce: carts, orders, checkout (issue 4) ---
PROBLEM_TYPES |= {
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
    RequestInProgress: ProblemType(HTTPStatus.CONFLICT, "request-in-progress", "Request with this key in progress"),
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


def _problem(kind: ProblemType, detail: str | None, errors: list[ValidationIssue] | None = None) -> Problem:
    return Problem(type=kind.uri, title=kind.title, status=kind.status, detail=detail, errors=errors)


def problem_response(
    kind: ProblemType, detail: str | None, errors: list[ValidationIssue] | None = None
) -> Response[str]:
    return Response(
        status_code=kind.status,
        content_type=PROBLEM_JSON,
        body=_problem(kind, detail, errors).model_dump_json(exclude_none=True),
    )


def _validation_issues(error: RequestValidationError) -> list[ValidationIssue]:
    # Powertools prefixes locations with the request part ("body", "query", ...): keep it, it
    # tells the client where the field is. Inputs are not echoed back.
    return [
        ValidationIssue(
            loc=[part for part in issue.get("loc", ()) if isinstance(part, str | int)],
            msg=str(issue.get("msg", "")),
            type=str(issue.get("type", "")),
        )
        for issue in error.errors()
    ]


def _header(event: Mapping[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    return str(next((value for key, value in headers.items() if key.lower() == name), None) or "")


# Request bodies: one reader for every route. JSON in UTF-8 (RFC 8259), read within limits that no valid body
# of this API comes near, so that a hostile one gets a 422 problem instead of exhausting the parser.
JSON = "application/json"
MAX_JSON_DEPTH = 32  # objects and arrays nested in one another; the deepest body of the API has 2
MAX_INTEGER_DIGITS = 64  # digits of one integer literal; the largest value the API takes has 13
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _require_json_body(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event, its body checked to be JSON in UTF-8 and handed on as Powertools reads it: text, with a
    lowercase media type (media types and charset names are case-insensitive, RFC 9110 8.3.1)."""
    content_type = _header(event, "content-type")
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    if not event.get("body"):
        return event
    if media_type.lower() not in ("", JSON):
        raise UnsupportedMediaType(content_type)
    charsets = [
        value.strip('"').lower()
        for name, _, value in (p.partition("=") for p in parameters)
        if name.strip().lower() == "charset"
    ]
    # JSON text is UTF-8; the gateway hands the function text, so another charset's bytes are already lost.
    if any(charset != "utf-8" for charset in charsets):
        raise UnsupportedMediaType(content_type)
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != "content-type"}
    if media_type:
        headers["Content-Type"] = JSON
    changed = {**event, "headers": headers}
    if event.get("isBase64Encoded"):
        # Only binary media types come base64-encoded. Bytes that are not UTF-8 become U+FFFD, as the gateway
        # does for text bodies, and the JSON reader refuses them alike.
        try:
            text = base64.b64decode(event["body"], validate=True).decode("utf-8", "replace")
        except binascii.Error:
            text = "\ufffd"  # not even base64: as unreadable as bytes that are not UTF-8
        changed |= {"body": text, "isBase64Encoded": False}
    return changed


class _LongInteger:
    """Stands in for an integer literal too long to read; reported with its place in the body."""


def _read_integer(literal: str) -> int | _LongInteger:
    return _LongInteger() if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS else int(literal)


def _long_integers(value: Any, place: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, _LongInteger):
        yield place
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _long_integers(item, (*place, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _long_integers(item, (*place, index))


def _body_error(kind: str, message: str, place: tuple[str | int, ...] = ()) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *place), "msg": message, "input": {}}])


def read_json_body(text: str) -> Any:
    """Every route's JSON body reader (Powertools' json_body_deserializer). Refuses, as request validation
    errors: U+FFFD, which the gateway puts in place of bytes that are not UTF-8 (send `\\ufffd` to mean the
    character itself); nesting deeper than MAX_JSON_DEPTH, counted before parsing, whose recursion it bounds;
    integers longer than MAX_INTEGER_DIGITS, which Python would refuse to convert past 4,300 digits."""
    if "\ufffd" in text:
        raise _body_error("utf8_invalid", "The body is not valid UTF-8")
    # Brackets inside strings do not nest: drop the strings, then the running count of the brackets left is
    # the depth. Exact for valid JSON; for invalid JSON it bounds what the parser reaches before it fails.
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if max(accumulate(map(_NESTING_STEP.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH:
        raise _body_error("json_too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    value = json.loads(text, parse_int=_read_integer)
    if places := list(_long_integers(value)):
        raise RequestValidationError(
            [
                {
                    "type": "int_too_long",
                    "loc": ("body", *place),
                    "msg": f"Integer longer than {MAX_INTEGER_DIGITS} digits",
                    "input": {},
                }
                for place in places
            ]
        )
    return value


class JsonApiResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, with the checks that must come before request validation.

    Powertools validates a request before any middleware runs, so these live in resolve():
    - the route's group, so a caller outside it gets 403 and learns nothing from validation errors;
    - JSON bodies only: Powertools would also parse form and multipart bodies (and answer 500 for a
      multipart type without a boundary).
    """

    def __init__(self, required_group: str | None = None, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.required_group = required_group
        self.signed_in = signed_in

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            if self.required_group is not None and self.required_group not in principal_of(event).groups:
                raise Forbidden(self.required_group)
            if self.signed_in:
                principal_of(event)  # 401 before validation: an anonymous caller learns nothing either
            event = _require_json_body(event)
        except ShopError as error:
            problem = _problem(problem_type_of(error), str(error))
            # Answered before Powertools runs, so its CORS headers are added here: without them the browser
            # hides the problem from the page and the frontend sees only a network error.
            headers = {"Content-Type": PROBLEM_JSON, **cors_config().to_dict(_header(event, "origin") or None)}
            answer: dict[str, Any] = {
                "statusCode": problem.status,
                "multiValueHeaders": {name: [value] for name, value in headers.items()},
                "body": problem.model_dump_json(exclude_none=True),
                "isBase64Encoded": False,
            }
        else:
            answer = super().resolve(event, context)
        # The CORS headers depend on the request's Origin: caches must keep one answer per origin.
        multi_value_headers: dict[str, list[str]] = answer.setdefault("multiValueHeaders", {})
        multi_value_headers["Vary"] = ["Origin"]
        return answer

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        """Powertools' document without the 422 it adds to every route: its HTTPValidationError shape is never
        answered here (validation errors are problems), and a route that can answer 422 declares it."""
        schema = super().get_openapi_schema(**kwargs)
        for path_item in (schema.paths or {}).values():
            for method in ("get", "put", "post", "delete", "patch"):
                operation = getattr(path_item, method)
                responses = operation.responses if operation is not None else None
                if responses and _is_powertools_validation_error(responses.get(HTTPStatus.UNPROCESSABLE_ENTITY)):
                    del responses[HTTPStatus.UNPROCESSABLE_ENTITY]
        return schema


def _is_powertools_validation_error(response: Any) -> bool:
    content = getattr(response, "content", None) or {}
    media = content.get(JSON)
    return media is not None and str(getattr(media.schema_, "ref", "")).endswith("/HTTPValidationError")


def create_resolver(required_group: str | None = None, signed_in: bool = False) -> APIGatewayRestResolver:
    """The resolver every API function declares its one route on; `required_group` guards the route,
    `signed_in` requires a verified caller of any group."""
    # CORS headers on every answer, for the allowed origins only (the preflight is CorsPreflightFunction's).
    app = JsonApiResolver(
        required_group=required_group,
        signed_in=signed_in,
        enable_validation=True,
        cors=cors_config(),
        json_body_deserializer=read_json_body,
    )
    app.configure_openapi(title="Shop API", security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")})

    @app.exception_handler(ShopError)
    def _shop_error(error: ShopError) -> Response[str]:
        return problem_response(problem_type_of(error), str(error))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_content_type(error: RequestUnsupportedContentType) -> Response[str]:
        return problem_response(PROBLEM_TYPES[UnsupportedMediaType], "send Content-Type: application/json")

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        issues = _validation_issues(error)
        fields = ", ".join(".".join(str(part) for part in issue.loc) for issue in issues)
        return problem_response(VALIDATION, f"invalid fields: {fields}", issues)

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[str]:
        return problem_response(ROUTE_NOT_FOUND, "this function serves no such route")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        # Logged with its trace for operators; the client sees no internals.
        logger.exception("unhandled error")
        return problem_response(INTERNAL, "the request could not be completed")

    return app


# What a problem status means wherever a route documents it; other statuses are described by their phrase.
PROBLEM_DESCRIPTIONS = {
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not JSON in UTF-8: Content-Type must be application/json "
    "(in any case) with no charset or charset=utf-8",
    HTTPStatus.UNPROCESSABLE_ENTITY: "A parameter, header or body field is not valid (each named in `errors`); "
    f"or the body is not UTF-8, not JSON, nested deeper than {MAX_JSON_DEPTH} levels, or holds an integer of "
    f"more than {MAX_INTEGER_DIGITS} digits",
}


def problem_docs(*statuses: HTTPStatus) -> dict[int, Any]:
    """OpenAPI `responses` entries for the problem answers a route can give."""
    return {
        int(status): {
            "description": PROBLEM_DESCRIPTIONS.get(status, status.phrase),
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
        for status in statuses
    }


@dataclass(frozen=True)
class Principal:
    user_id: str
    groups: frozenset[str]


def principal_of(event: Mapping[str, Any]) -> Principal:
    """The caller as verified by the Lambda authorizer (its context), never from the token itself."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user_id = context.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise Unauthenticated()
    try:
        # A JSON list, not a joined string: a group name may contain any separator.
        groups = json.loads(context.get("groups") or "[]")
    except (TypeError, ValueError):
        raise Unauthenticated() from None
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise Unauthenticated()
    return Principal(user_id=user_id, groups=frozenset(groups))


def etag(version: int) -> str:
    return f'"{version}"'


# If-Match compares strongly (RFC 9110 13.1.1): a quoted version, or the bare number clients often send.
_ENTITY_TAG = re.compile(r'^(?:"(\d{1,18})"|(\d{1,18}))$')


MAX_IF_MATCH_LENGTH = 100


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any current version)."""
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.match(header.strip()) if len(header) <= MAX_IF_MATCH_LENGTH else None
    if match is None:
        raise InvalidPrecondition(f"If-Match must be a product ETag such as '\"3\"', not {header[:40]!r}")
    return int(match.group(1) or match.group(2))


def _precondition(value: object) -> object:
    if isinstance(value, str):
        parse_if_match(value)
    return value


# The If-Match header as a route takes it: anything but an ETag or `*`, an over-long one included, is 400
# invalid-precondition (raised, so pydantic lets it through to the error table) and never a 422.
IfMatch = Annotated[str, StringConstraints(max_length=MAX_IF_MATCH_LENGTH), BeforeValidator(_precondition)]
