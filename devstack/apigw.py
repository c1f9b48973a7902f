"""`sam local start-api` and `start-lambda` without Docker: SAM CLI's own local API Gateway and Lambda Invoke
endpoint, sharing one function runtime in which functions run as local processes.

    python -m devstack.apigw --template template.yaml --env-vars env.json --host 127.0.0.1 --port 3000 \\
        --lambda-port 3002 --layer-deps .build/layer-deps --function-python /path/to/python3.13 [--region us-east-1]

Run from the repo root on the SAM CLI venv's python. Everything but the function runtime is SAM CLI's code:
SamLocalStackProvider reads the template, ApiProvider finds routes and authorizers, LocalApigwService builds
events and parses responses, LocalLambdaRunner resolves each function's environment (the --env-vars file has
`sam local`'s format). devstack.runtime.ProcessRuntime stands in for the Docker LambdaRuntime. On --lambda-port,
LocalLambdaHttpService (what `sam local start-lambda` serves) answers Lambda's Invoke API through the same runner:
`boto3.client("lambda", endpoint_url=...).invoke(FunctionName=<logical id>, ...)`, with `FunctionError: Unhandled`
when the function raised, as in AWS. Port 0 picks a free port; the ready lines ("Lambda ready on ...", then
"API ready on ...") name them.

Where it departs from SAM, to answer as API Gateway does:

- Gateway responses. Where API Gateway answers by itself, SAM answers with ServiceErrorResponses' canned
  responses. Those static methods are patched, in this process only, to answer with the template's
  GatewayResponses of the matching type (see GATEWAY_ANSWERS); a type the template leaves out falls back to its
  DEFAULT_4XX/DEFAULT_5XX (their status code too, when they set one), then to API Gateway's own
  `{"message": ...}`. A function error becomes 502 there, as in API Gateway (SAM says 500).
- Cognito user-pool authorizers. SAM skips them (the route runs for anyone): here the gateway verifies the token
  as API Gateway does (devstack.userpool, against the pool named by --user-pool-issuer, --user-pool-jwks-url and
  --user-pool-client-id), answers UNAUTHORIZED (401) when it fails, and hands the claims to the function in
  `requestContext.authorizer.claims`. A template with such an authorizer needs the three options.
- Lambda authorizer errors. LocalApigwService drops a failed function's output, so `_invoke_lambda_function` is
  overridden to keep it (same steps, then FunctionError carries the output), and `_invoke_parse_lambda_authorizer`
  to answer an authorizer that raised "Unauthorized" with UNAUTHORIZED (401) and any other failure with
  AUTHORIZER_FAILURE (500) where SAM says 502.
- Quotas. API Gateway's documented quotas for a Regional REST API are enforced before routing: a request
  target over 10,240 characters gets 414, headers over 10,240 bytes in all and bodies over 10 MB get
  REQUEST_TOO_LARGE (413); SAM passes all three on. What the dev server refuses by itself before Flask sees the
  request (a line over 64 KiB, a malformed request line) gets the same answers instead of its HTML pages.
- Routes. HEAD on a GET-only route is an unknown route (Flask alone would route it to the GET function). As in
  API Gateway, trailing slashes are ignored when routing and leading ones merged (`/products/` and `//products`
  reach GET /products, the event's path keeping the trailing slash), but an empty segment inside the path
  (`/products//1`) is no route, where Werkzeug would redirect to the merged path.
- Bodies. A text body that is not valid UTF-8 reaches the function with U+FFFD in place of the bad bytes,
  where SAM answers 502.
- Serving. `run` binds with werkzeug's make_server, so the ready line comes once the port listens; Flask's app.run
  would also load any .env file in the working directory into os.environ, and from there into the functions'.

Besides werkzeug's access line, each response (on both ports) writes a request record to stderr: method, path,
status, milliseconds and the route's function (and authorizer), which `make dev`'s console prints as one line
(devstack.console).
"""

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from io import StringIO
from types import FrameType
from typing import Any

import jwt
from flask import Response, request
from samcli.commands.local.cli_common.invoke_context import InvokeContext
from samcli.commands.local.lib.local_api_service import LocalApiService
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Stack
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.authorizers.lambda_authorizer import LambdaAuthorizer
from samcli.local.apigw.event_constructor import _should_base64_encode
from samcli.local.apigw.exceptions import InvalidLambdaAuthorizerResponse, LambdaResponseParseException
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.route import Route
from samcli.local.apigw.service_error_responses import ServiceErrorResponses
from samcli.local.lambda_service.local_lambda_http_service import LocalLambdaHttpService
from samcli.local.services.base_local_service import LambdaOutputParser
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.serving import WSGIRequestHandler, make_server

from devstack.common import FAKE_CREDENTIALS
from devstack.console import request_record
from devstack.runtime import ProcessRuntime
from devstack.userpool import Unauthorized, UserPool

# API Gateway's body when the template customises nothing.
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
# The ServiceErrorResponses method SAM calls where API Gateway answers itself: (response type, status, message).
GATEWAY_ANSWERS = {
    "missing_lambda_auth_identity_sources": ("UNAUTHORIZED", 401, "Unauthorized"),
    "lambda_authorizer_unauthorized": ("ACCESS_DENIED", 403, "User is not authorized to access this resource"),
    "route_not_found": ("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token"),
    "lambda_failure_response": ("DEFAULT_5XX", 502, "Internal server error"),
    # SAM's answer to a function error (the handler raised) is a 500; API Gateway's is a 502.
    "lambda_body_failure_response": ("DEFAULT_5XX", 502, "Internal server error"),
}
LOG = logging.getLogger(__name__)
# Where a request's verified user-pool claims wait for its event (the WSGI environ is per request).
USER_POOL_CLAIMS = "devstack.user_pool_claims"
CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z.]+)")
# API Gateway's quotas for running a Regional REST API (its developer guide, "Quotas for configuring and
# running a REST API"); none can be raised.
MAX_URL_CHARACTERS = 10240  # the request target: path and query string
MAX_HEADER_BYTES = 10240  # names, values, separators and line ends of every header together
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
URI_TOO_LONG = (None, 414, "Request-URI Too Long")
REQUEST_TOO_LARGE = ("REQUEST_TOO_LARGE", 413, "Request Too Long")
# What the dev server answers by itself (before Flask), as the gateway answers it.
SERVER_ERRORS = {414: URI_TOO_LONG, 431: REQUEST_TOO_LARGE}


class GatewayResponses:
    """The template's GatewayResponses by type, rendered where API Gateway answers a request by itself."""

    def __init__(self, declared: Mapping[str, Mapping[str, Any]]) -> None:
        self._declared = declared

    @classmethod
    def from_stacks(cls, stacks: list[Stack]) -> "GatewayResponses":
        # SAM local serves every API's routes on one port: the first API to declare a type provides it.
        declared: dict[str, Mapping[str, Any]] = {}
        for stack in stacks:
            for resource in stack.resources.values():
                if resource.get("Type") == "AWS::Serverless::Api":
                    for response_type, response in resource.get("Properties", {}).get("GatewayResponses", {}).items():
                        declared.setdefault(response_type, response)
        return cls(declared)

    def answer(self, response_type: str | None, status: int, message: str | None) -> Response:
        """The template's response of `response_type`; None: a 4XX/5XX that no type of its own covers."""
        own = self._declared.get(response_type) if response_type else None
        # A type the template leaves out falls back to DEFAULT_4XX/5XX, headers, body and status code: API
        # Gateway gives every response that falls back the fallback's status code when it sets one.
        declared = own or self._declared.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX", {})
        if "StatusCode" in declared:
            status = int(declared["StatusCode"])
        context = {
            "error.message": message or "",
            "error.messageString": json.dumps(message),
            "error.responseType": response_type or ("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"),
            "requestId": str(uuid.uuid4()),
        }
        template = declared.get("ResponseTemplates", {}).get("application/json", DEFAULT_TEMPLATE)
        body = CONTEXT_VARIABLE.sub(lambda match: context.get(match[1], match[0]), template)
        response = Response(body, status=status, content_type="application/json")
        for name, value in declared.get("ResponseParameters", {}).get("Headers", {}).items():
            # Only static values ('quoted literals'); mappings from the request are not emulated.
            if len(value) > 1 and value[0] == value[-1] == "'":
                response.headers[name] = value[1:-1]
        return response

    def patch_sam_error_responses(self) -> None:
        """Make SAM's canned responses the template's, in this process; before LocalApigwService.create(),
        which registers some of them as Flask error handlers."""
        for method, (response_type, status, message) in GATEWAY_ANSWERS.items():
            setattr(ServiceErrorResponses, method, staticmethod(self._canned(response_type, status, message)))

    def _canned(self, response_type: str, status: int, message: str) -> Callable[..., Response]:
        def answer(*_sam_arguments: object) -> Response:
            return self.answer(response_type, status, message)

        return answer


def user_pool_authorizers(stacks: list[Stack]) -> set[str]:
    """The names of the APIs' Cognito user-pool authorizers."""
    return {
        name
        for stack in stacks
        for resource in stack.resources.values()
        if resource.get("Type") == "AWS::Serverless::Api"
        for name, properties in ((resource.get("Properties", {}).get("Auth") or {}).get("Authorizers") or {}).items()
        if "UserPoolArn" in properties
    }


def user_pool_routes(stacks: list[Stack]) -> dict[tuple[str, str], str]:
    """The routes behind a Cognito user-pool authorizer, (METHOD, path) -> the identity header's name: an API
    event's `Auth.Authorizer`, or its API's `DefaultAuthorizer`, naming an authorizer with a `UserPoolArn`."""
    apis: dict[str, tuple[dict[str, str], str | None]] = {}
    for stack in stacks:
        for logical_id, resource in stack.resources.items():
            if resource.get("Type") != "AWS::Serverless::Api":
                continue
            auth = resource.get("Properties", {}).get("Auth") or {}
            pools = {
                name: (properties.get("Identity") or {}).get("Header", "Authorization")
                for name, properties in (auth.get("Authorizers") or {}).items()
                if "UserPoolArn" in properties
            }
            apis[logical_id] = (pools, auth.get("DefaultAuthorizer"))
    routes: dict[tuple[str, str], str] = {}
    for stack in stacks:
        for resource in stack.resources.values():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            for event in (resource.get("Properties", {}).get("Events") or {}).values():
                properties = event.get("Properties") or {}
                api_id = properties.get("RestApiId")
                api_id = api_id.get("Ref") if isinstance(api_id, dict) else api_id
                if event.get("Type") != "Api" or api_id not in apis:
                    continue
                pools, default = apis[api_id]
                name = (properties.get("Auth") or {}).get("Authorizer", default)
                if name in pools:
                    routes[(str(properties["Method"]).upper(), properties["Path"])] = pools[name]
    return routes


class GatewayAnswer(HTTPException):
    """API Gateway answers the request itself; raised through SAM's request handler, which logs it by str()."""

    def __init__(self, response: Response, reason: str) -> None:
        super().__init__(description=reason, response=response)

    def __str__(self) -> str:
        return str(self.description)


class FunctionError(LambdaResponseParseException):
    """The function failed; `error` is its Lambda error shape (errorMessage, errorType, ...)."""

    def __init__(self, output: str | bytes) -> None:
        super().__init__(output)
        self.error: dict[str, Any] = json.loads(output)


# Where the API's request handler leaves the route's function and authorizer, for the request's console line.
FUNCTION_KEY = "devstack.function"
AUTHORIZER_KEY = "devstack.authorizer"
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/?]+)/invocations")
MAX_LOGGED_PATH = 120


class RequestLogHandler(WSGIRequestHandler):
    """werkzeug's request handler, also writing after each response the request record that `make dev`'s console
    prints as one line (devstack.console): method, path, status, milliseconds and function. werkzeug's own
    access line stays, for VERBOSE=1."""

    invoke = False  # Lambda's Invoke API: the function is named by the path
    _started: float | None = None

    def handle_one_request(self) -> None:
        self._started = time.perf_counter()
        super().handle_one_request()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        super().log_request(code, size)
        path = getattr(self, "path", None) or "-"
        environ = getattr(self, "environ", None) or {}
        if self.invoke:
            named = INVOKE_PATH.match(path)
            function = named["function"] if named else None
        else:
            function = environ.get(FUNCTION_KEY)
        milliseconds = None if self._started is None else round((time.perf_counter() - self._started) * 1000, 1)
        if len(path) > MAX_LOGGED_PATH:
            path = path[: MAX_LOGGED_PATH - 1] + "…"
        record = request_record(
            getattr(self, "command", None) or "-", path, code, milliseconds, function,
            authorizer=environ.get(AUTHORIZER_KEY), invoke=self.invoke,
        )  # fmt: skip
        # One write per line, so that lines written by other threads never cut into it.
        sys.stderr.write(record + "\n")
        sys.stderr.flush()


class InvokeRequestHandler(RequestLogHandler):
    invoke = True


class GatewayRequestHandler(RequestLogHandler):
    """The dev server's request handler, answering what it refuses by itself (an over-long request or header
    line, a malformed request) with the gateway's answers rather than http.server's HTML error page."""

    gateway_responses: GatewayResponses

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        response_type, status, gateway_message = SERVER_ERRORS.get(code, (None, code, message))
        response = self.gateway_responses.answer(response_type, status, gateway_message)
        body = response.get_data()
        self.log_error("code %d, message %s", code, message)
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True


class GatewayService(LocalApigwService):
    """SAM's LocalApigwService, answering authorizer failures and starting up as API Gateway and `make dev` need."""

    def __init__(
        self,
        gateway_responses: GatewayResponses,
        user_pool_routes: Mapping[tuple[str, str], str],
        user_pool: UserPool | None,
        **service_arguments: Any,
    ) -> None:
        super().__init__(**service_arguments)
        self._gateway_responses = gateway_responses
        if user_pool_routes and user_pool is None:
            raise SystemExit(
                "the template has Cognito user-pool authorizers: pass --user-pool-issuer, --user-pool-jwks-url "
                "and --user-pool-client-id"
            )
        self._user_pool_routes = user_pool_routes
        self._user_pool = user_pool

    def create(self) -> None:
        super().create()
        # SAM's map merges repeated slashes by redirecting; API Gateway routes no path with an empty segment.
        # (Leading slashes never reach the map merged or not: the dev server drops the extra ones.)
        routes = self._app.url_map
        self._app.url_map = Map(strict_slashes=False, merge_slashes=False, converters=dict(routes.converters))
        for rule in routes.iter_rules():
            copy = rule.empty()
            copy.merge_slashes = False
            self._app.url_map.add(copy)
        self._app.before_request(self._refuse_beyond_quotas)

    def _answer(self, response_type: str | None, status: int, message: str) -> Response:
        return self._gateway_responses.answer(response_type, status, message)

    def _refuse_beyond_quotas(self) -> Response | None:
        if len(request.environ.get("RAW_URI") or request.full_path) > MAX_URL_CHARACTERS:
            return self._answer(*URI_TOO_LONG)
        # WSGI hands header names and values on as latin-1 text: one character per byte received.
        header_bytes = sum(len(name) + len(": ") + len(value) + len("\r\n") for name, value in request.headers.items())
        if header_bytes > MAX_HEADER_BYTES or (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return self._answer(*REQUEST_TOO_LARGE)
        if request.content_length is None and request.environ.get("wsgi.input_terminated"):
            # A chunked body declares no length: read one byte past the quota to know, and keep what was read.
            body = request.environ["wsgi.input"].read(MAX_PAYLOAD_BYTES + 1)
            if len(body) > MAX_PAYLOAD_BYTES:
                return self._answer(*REQUEST_TOO_LARGE)
            request._cached_data = body
        return None

    def _request_handler(self, **kwargs: Any) -> Response:
        # Flask answers HEAD on every GET rule; API Gateway only where HEAD is a route. SAM fails the lookup.
        try:
            route = self._get_current_route(request)
        except KeyError:
            return ServiceErrorResponses.route_not_found()
        request.environ[FUNCTION_KEY] = route.function_name
        self._authorize_by_user_pool(route)
        # API Gateway hands a text body that is not valid UTF-8 on with U+FFFD in place of the bad bytes;
        # SAM fails the event's construction and answers 502. Binary media types are base64 encoded instead.
        data = request.get_data()
        if not _should_base64_encode(self.api.binary_media_types, request.mimetype):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                request._cached_data = data.decode("utf-8", "replace").encode()
        return super()._request_handler(**kwargs)

    def _authorize_by_user_pool(self, route: Route) -> None:
        """API Gateway's Cognito authorizer, before the event is built: 401 unless the token verifies; the claims
        go into the event (_generate_lambda_event)."""
        method, _ = self.get_request_methods_endpoints(request)
        header = self._user_pool_routes.get((method, route.path)) or self._user_pool_routes.get(("ANY", route.path))
        if header is None or self._user_pool is None:
            return
        try:
            request.environ[USER_POOL_CLAIMS] = self._user_pool.authorize(request.headers.get(header))
        except Unauthorized as error:
            # Why, on the console: the 401's body says only "Unauthorized", as API Gateway's does.
            LOG.warning("user pool authorizer: %s", error)
            raise GatewayAnswer(self._answer("UNAUTHORIZED", 401, "Unauthorized"), str(error)) from error
        except jwt.PyJWKClientConnectionError as error:
            # The pool's keys out of reach: the gateway's failure, not the caller's.
            LOG.warning("user pool authorizer: %s", error)
            raise GatewayAnswer(self._answer("AUTHORIZER_FAILURE", 500, None), str(error)) from error

    def _generate_lambda_event(self, flask_request: Any, route: Route, method: str, endpoint: str) -> dict:
        event = super()._generate_lambda_event(flask_request, route, method, endpoint)
        claims = flask_request.environ.get(USER_POOL_CLAIMS)
        if claims is not None:
            event.setdefault("requestContext", {})["authorizer"] = {"claims": claims}
        return event

    def _invoke_lambda_function(
        self, lambda_function_name: str, event: dict, tenant_id: str | None = None
    ) -> str | bytes:
        with StringIO() as stdout:
            self.lambda_runner.invoke(
                lambda_function_name,
                json.dumps(event, sort_keys=True),
                stdout=StreamWriter(stdout, auto_flush=True),
                stderr=self.stderr,
                tenant_id=tenant_id,
            )
            output, is_function_error = LambdaOutputParser.get_lambda_output(stdout)
        if is_function_error:
            raise FunctionError(output)
        return output

    def _invoke_parse_lambda_authorizer(
        self, lambda_authorizer: LambdaAuthorizer, auth_lambda_event: dict, route_lambda_event: dict, route: Route
    ) -> None:
        request.environ[AUTHORIZER_KEY] = lambda_authorizer.lambda_name
        try:
            super()._invoke_parse_lambda_authorizer(lambda_authorizer, auth_lambda_event, route_lambda_event, route)
        except FunctionError as error:
            message = error.error.get("errorMessage")
            # API Gateway's contract for Lambda authorizers: failing with exactly "Unauthorized" means 401.
            response_type, status, answer_message = (
                ("UNAUTHORIZED", 401, "Unauthorized")
                if message == "Unauthorized"
                else ("AUTHORIZER_FAILURE", 500, None)
            )
            answer = self._gateway_responses.answer(response_type, status, answer_message)
            raise GatewayAnswer(answer, f"{error.error.get('errorType')}: {message}") from error
        except InvalidLambdaAuthorizerResponse as error:
            answer = self._gateway_responses.answer("AUTHORIZER_CONFIGURATION_ERROR", 500, None)
            raise GatewayAnswer(answer, str(error)) from error

    def run(self) -> None:
        handler = type("Handler", (GatewayRequestHandler,), {"gateway_responses": self._gateway_responses})
        server = make_server(self.host, self.port, self._app, threaded=True, request_handler=handler)
        self.port = server.server_port  # the events' X-Forwarded-Port, when --port 0 let the system choose
        for line in LocalApiService._print_routes(self.api.routes, self.host, self.port):
            print(line)
        print(f"API ready on http://{self.host}:{self.port}", flush=True)
        try:
            server.serve_forever()
        finally:
            server.server_close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.apigw", description=__doc__.split("\n")[0])
    parser.add_argument("--template", required=True, help="SAM template")
    parser.add_argument("--env-vars", help="function environment overrides, in `sam local --env-vars` format")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="the API's; 0 picks a free port")
    parser.add_argument("--lambda-port", type=int, default=3002, help="Lambda's Invoke API; 0 picks a free port")
    parser.add_argument("--layer-deps", required=True, help="the layers' third-party packages, built for this host")
    parser.add_argument("--function-python", required=True, help="the interpreter of the functions' runtime")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--user-pool-issuer", help="the local user pool's issuer (`iss`), for Cognito authorizers")
    parser.add_argument("--user-pool-jwks-url", help="the local user pool's JWKS")
    parser.add_argument("--user-pool-client-id", action="append", default=[], help="an app client of the pool")
    args = parser.parse_args(argv)
    pool_options = (args.user_pool_issuer, args.user_pool_jwks_url, args.user_pool_client_id)
    if any(pool_options) and not all(pool_options):
        parser.error("--user-pool-issuer, --user-pool-jwks-url and --user-pool-client-id go together")
    return args


def stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Fake credentials stop boto3's search for real ones (profiles, instance metadata) before it starts.
    if "AWS_ACCESS_KEY_ID" not in os.environ:
        os.environ.update(FAKE_CREDENTIALS)
    os.environ["SAM_CLI_TELEMETRY"] = "0"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO)  # the access log, as `sam local start-api` shows it

    template = os.path.abspath(args.template)
    template_dir = os.path.dirname(template)
    # template.yaml uses AWS::LanguageExtensions (Fn::ForEach), which SAM CLI expands only when asked.
    stacks, _ = SamLocalStackProvider.get_stacks(template, language_extensions_enabled=True)
    runtime = ProcessRuntime(args.function_python, args.layer_deps, template_dir)
    runner = LocalLambdaRunner(
        local_runtime=runtime,  # in place of SAM's Docker LambdaRuntime: LocalLambdaRunner only calls invoke()
        function_provider=SamFunctionProvider(stacks),
        cwd=template_dir,
        real_path=template_dir,
        aws_region=args.region,
        env_vars_values=InvokeContext._get_env_vars_value(args.env_vars),
    )
    gateway_responses = GatewayResponses.from_stacks(stacks)
    pool_routes = user_pool_routes(stacks)
    # SAM warns, route by route, that it found no (Lambda) authorizer of that name: this process runs those.
    ours = user_pool_authorizers(stacks)
    logging.getLogger("samcli.lib.providers.api_collector").addFilter(
        lambda record: not (isinstance(record.args, tuple) and record.args and record.args[0] in ours)
    )
    gateway_responses.patch_sam_error_responses()
    user_pool = (
        UserPool(args.user_pool_issuer, args.user_pool_jwks_url, args.user_pool_client_id)
        if args.user_pool_issuer
        else None
    )
    service = GatewayService(
        gateway_responses,
        pool_routes,
        user_pool,
        api=ApiProvider(stacks, cwd=template_dir).api,
        lambda_runner=runner,
        host=args.host,
        port=args.port,
        stderr=StreamWriter(sys.stderr, auto_flush=True),
    )
    service.create()
    invoke_service = LocalLambdaHttpService(
        lambda_runner=runner, port=args.lambda_port, host=args.host, stderr=StreamWriter(sys.stderr, auto_flush=True)
    )
    invoke_service.create()
    # Bound before the API's ready line: whoever waits for the API can invoke functions too.
    invoke_server = make_server(
        args.host, args.lambda_port, invoke_service._app, threaded=True, request_handler=InvokeRequestHandler
    )
    print(f"Lambda ready on http://{args.host}:{invoke_server.server_port}", flush=True)
    threading.Thread(target=invoke_server.serve_forever, name="lambda-invoke", daemon=True).start()
    # SIGINT explicitly too: a shell script's background job starts with it ignored, and Python keeps it so.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    try:
        service.run()
    except KeyboardInterrupt:
        pass
    finally:
        # Ctrl-C reaches this process twice (the terminal's SIGINT, then `python -m devstack`'s SIGTERM): the
        # second must not cut the clean-up short with a traceback.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        invoke_server.shutdown()
        invoke_server.server_close()
        runtime.shutdown()


if __name__ == "__main__":
    main()
