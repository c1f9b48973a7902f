"""HTTP plumbing shared by every API function: the resolver, with its checks before validation and its problem answers.

Errors become RFC 9457 problems through the one table in shop.common.problems.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

from shop.common.cors import cors_config
from shop.common.errors import Forbidden, ShopError, UnsupportedMediaType
from shop.common.identity import principal_of
from shop.common.observability import logger
from shop.common.problems import (
    INTERNAL,
    PROBLEM_JSON,
    PROBLEM_TYPES,
    ROUTE_NOT_FOUND,
    VALIDATION,
    ValidationIssue,
    problem_of,
    problem_response,
    problem_type_of,
)
from shop.common.request_body import JSON, header_of, read_json_body, require_json_body

# OpenAPI security requirement of the routes behind the Lambda authorizer.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


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
            event = require_json_body(event)
        except ShopError as error:
            problem = problem_of(problem_type_of(error), str(error))
            # Answered before Powertools runs, so its CORS headers are added here: without them the browser
            # hides the problem from the page and the frontend sees only a network error.
            headers = {"Content-Type": PROBLEM_JSON, **cors_config().to_dict(header_of(event, "origin") or None)}
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

    def get_openapi_schema(self, **kwargs: Any) -> "OpenAPI":
        """Powertools' document without the 422 it adds to every route: its HTTPValidationError shape is never
        answered here (validation errors are problems), and a route that can answer 422 declares it."""
        # Powertools' OpenAPI models are a large pydantic tree (tens of ms at every cold start) that only the
        # schema uses, never a request: the security scheme that needs them is declared here, when asked for.
        from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

        self.openapi_config.security_schemes = {"bearerAuth": HTTPBearer(bearerFormat="JWT")}
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
    app.configure_openapi(title="Shop API")  # its security scheme: JsonApiResolver.get_openapi_schema

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


def operation(
    summary: str, tag: str, responses: dict[int, Any], *, signed_in: bool = True, description: str | None = None
) -> dict[str, Any]:
    """A route's OpenAPI documentation: summary, tag, its answers (`answers`), and the bearer token it needs
    unless it is public (`signed_in=False`)."""
    documented: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description is not None:
        documented["description"] = description
    if signed_in:
        documented["security"] = BEARER
    return documented
