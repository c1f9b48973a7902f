"""OPTIONS on every route: CORS preflight for the web frontend.

One function answers every path's preflight because the allowed origins are a list, which API Gateway's own
mock CORS integration cannot match against the request's Origin. An origin outside the list gets 204 without
CORS headers, and the browser then refuses to send the real request.
"""

from http import HTTPStatus

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from shop.common.cors import ROUTE_METHODS, cors_config
from shop.common.observability import api_handler

tracer = Tracer(patch_modules=())  # it calls nothing
app = APIGatewayRestResolver(cors=cors_config())  # fails the cold start when the origins are missing or malformed


def _preflight_route(path: str, methods: tuple[str, ...]) -> None:
    allow_methods = CORSConfig.build_allow_methods({*methods, "OPTIONS"})

    @app.route(path, method="OPTIONS", include_in_schema=False)
    def preflight(**_path_parameters: str) -> Response[str]:
        # Powertools adds the origin and header grants to this response only when the Origin is allowed.
        # Vary: caches must not hand one origin's answer to another.
        headers = {"Access-Control-Allow-Methods": allow_methods, "Vary": "Origin"}
        return Response(status_code=HTTPStatus.NO_CONTENT, headers=headers)


for route_path, route_methods in ROUTE_METHODS.items():
    _preflight_route(route_path, route_methods)


lambda_handler = api_handler(app, tracer)
