"""API Gateway's WebSocket APIs for the local stack: the template's AWS::ApiGatewayV2 WEBSOCKET API on a local port,
calling its route functions with API Gateway's events, and its `@connections` management API on the same port.

    ws://127.0.0.1:3003/?token=<jwt>            (or ws://127.0.0.1:3003/<stage>?token=..., as in AWS)
    boto3.client("apigatewaymanagementapi", endpoint_url="http://127.0.0.1:3003/<stage>").post_to_connection(...)

The template is the source of truth, as for the REST routes: AWS::ApiGatewayV2::Api (ProtocolType WEBSOCKET,
RouteSelectionExpression `$request.body.<field>`), its Stage (StageName), Routes (RouteKey; Target
`integrations/<Integration>` by !Sub, !Join or text; AuthorizationType CUSTOM with AuthorizerId;
RouteResponseSelectionExpression for two-way routes), Integrations (AWS_PROXY, IntegrationUri naming a function by
`${Fn.Arn}`, `!GetAtt Fn.Arn`, or its alias) and Authorizers (REQUEST, AuthorizerUri likewise, IdentitySource
`route.request.querystring.<name>` or `route.request.header.<name>`). One WebSocket API per local stack.

As API Gateway does:

- Connecting. The `$connect` route's authorizer is called first, with API Gateway's REQUEST authorizer event
  (type, methodArn `arn:aws:execute-api:<region>:<account>:<api>/<stage>/$connect`, headers,
  queryStringParameters, requestContext...). A missing identity source refuses the upgrade with 401 without calling
  it; an authorizer that fails with "Unauthorized" gives 401, any other failure 500; a policy that does not allow
  `execute-api:Invoke` on the methodArn gives 403. Then the `$connect` function (if any) gets the CONNECT event;
  a function error refuses with 500, a statusCode of 300 or more with that status. Only then is the upgrade
  accepted. The authorizer's principalId and context are in `requestContext.authorizer` of every later event of
  the connection.
- Messages. The route is chosen by the RouteSelectionExpression on the JSON body (`$request.body.action`), else
  `$default`; without either, the client is sent API Gateway's `{"message": "Forbidden", ...}`. A function error
  sends `{"message": "Internal server error", ...}`. A two-way route's response body is sent back to the client.
  Messages of one connection are handled one at a time, in order.
- Disconnecting. However the connection ends (client close, DELETE @connections/{id}), `$disconnect` is called
  with the DISCONNECT event (disconnectStatusCode, disconnectReason), best effort, as in AWS.
- `@connections/{id}` (path prefixed by the stage or not): POST sends the body to the client (text if UTF-8, else
  binary; over 128 KB: 413 PayloadTooLargeException), GET describes it (ConnectedAt, Identity, LastActiveAt),
  DELETE closes it (204). An unknown or closed connection is 410 GoneException, which boto3 raises as
  `client.exceptions.GoneException`. Requests are not signature-checked.

The server is aiohttp's (WebSocket and plain HTTP on one port, as API Gateway serves both on one domain), on an
event loop of its own thread; functions are invoked on worker threads through the invoker (devstack.streams'
LambdaEndpoint, or a fake in tests).
"""

import asyncio
import base64
import fnmatch
import json
import logging
import os
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from devstack.streams import Invocation, Invoker
from devstack.template import resources_of_type

LOG = logging.getLogger(__name__)
ACCOUNT_ID = "123456789012"
MAX_POST_BYTES = 128 * 1024
CONNECTIONS_PATH = re.compile(r"^(?:/(?P<stage>[^/@][^/]*))?/@connections/(?P<id>[^/]+)$")
FUNCTION_IN_ARN = re.compile(r":function:(?P<name>[A-Za-z0-9-_]+)")


class TemplateNotSupported(SystemExit):
    """The template's WebSocket API uses something the local gateway cannot follow: said at start."""


@dataclass(frozen=True)
class Authorizer:
    name: str
    function_name: str
    identity_sources: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    key: str
    function_name: str | None
    authorizer: Authorizer | None = None
    two_way: bool = False


@dataclass(frozen=True)
class WebSocketApi:
    logical_id: str
    stage: str
    route_selection_expression: str
    routes: dict[str, Route]

    @property
    def api_id(self) -> str:
        return self.logical_id.lower()[:10]


def _text(value: Any, region: str, functions: set[str]) -> str:
    """A template value as the string CloudFormation would make of it, with functions' ARNs in place of their
    references: enough to find which function an IntegrationUri names and which integration a Target names."""

    def function_arn(name: str) -> str | None:
        base = name.removesuffix(".Alias").removesuffix(".Arn")
        for function in functions:
            if base == function or base.startswith(f"{function}Alias"):
                return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function}"
        return None

    def variable(name: str) -> str:
        if name == "AWS::Region":
            return region
        if name == "AWS::AccountId":
            return ACCOUNT_ID
        if name == "AWS::Partition":
            return "aws"
        return function_arn(name) or name.split(".", maxsplit=1)[0]

    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        [(name, argument)] = value.items()
        if name == "Ref":
            return variable(argument)
        if name == "Fn::GetAtt":
            return variable(".".join(argument))
        if name == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            return re.sub(r"\$\{([^}]+)\}", lambda match: variable(match[1]), text)
        if name == "Fn::Join":
            delimiter, parts = argument
            return delimiter.join(_text(part, region, functions) for part in parts)
    raise TemplateNotSupported(f"cannot read {value!r} locally")


def _function_in(uri: Any, region: str, functions: set[str], where: str) -> str:
    match = FUNCTION_IN_ARN.search(_text(uri, region, functions))
    if not match or match["name"] not in functions:
        raise TemplateNotSupported(f"{where}: the local gateway only calls functions of this template")
    return match["name"]


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def websocket_api(template: dict[str, Any], region: str = "us-east-1") -> WebSocketApi | None:
    """The template's WebSocket API, its stage, routes, integrations and authorizers; None if it has none."""
    apis = {
        logical_id: properties
        for logical_id, properties in resources_of_type(template, "AWS::ApiGatewayV2::Api").items()
        if properties.get("ProtocolType") == "WEBSOCKET"
    }
    if not apis:
        return None
    if len(apis) > 1:
        raise TemplateNotSupported(f"the local gateway serves one WebSocket API; the template has {sorted(apis)}")
    [(api_id, api)] = apis.items()
    functions = set(resources_of_type(template, "AWS::Serverless::Function")) | set(
        resources_of_type(template, "AWS::Lambda::Function")
    )

    def of_api(resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: properties
            for logical_id, properties in resources_of_type(template, resource_type).items()
            if _ref(properties.get("ApiId")) == api_id
        }

    stages = [properties.get("StageName") for properties in of_api("AWS::ApiGatewayV2::Stage").values()]
    stage = next((name for name in stages if isinstance(name, str)), "local")
    integrations = {
        logical_id: _function_in(properties.get("IntegrationUri"), region, functions, logical_id)
        for logical_id, properties in of_api("AWS::ApiGatewayV2::Integration").items()
        if properties.get("IntegrationType") == "AWS_PROXY"
    }
    authorizers = {}
    for logical_id, properties in of_api("AWS::ApiGatewayV2::Authorizer").items():
        if properties.get("AuthorizerType") != "REQUEST":
            raise TemplateNotSupported(f"{logical_id}: a WebSocket API's authorizer is a REQUEST authorizer")
        sources = properties.get("IdentitySource") or []
        sources = sources if isinstance(sources, list) else [sources]
        for source in sources:
            if not re.fullmatch(r"route\.request\.(querystring|header)\.[^.]+", str(source)):
                raise TemplateNotSupported(
                    f"{logical_id}: identity source {source!r}: only route.request.querystring.<name> and "
                    "route.request.header.<name> are followed locally"
                )
        authorizers[logical_id] = Authorizer(
            logical_id,
            _function_in(properties.get("AuthorizerUri"), region, functions, logical_id),
            tuple(sources),
        )
    routes = {}
    for logical_id, properties in of_api("AWS::ApiGatewayV2::Route").items():
        key = properties["RouteKey"]
        target = properties.get("Target")
        function = None
        if target is not None:
            integration = _text(target, region, functions).removeprefix("integrations/")
            if integration not in integrations:
                raise TemplateNotSupported(f"{logical_id}: Target must be integrations/<AWS_PROXY integration>")
            function = integrations[integration]
        authorizer = None
        if properties.get("AuthorizationType") == "CUSTOM":
            authorizer = authorizers.get(_ref(properties.get("AuthorizerId")) or "")
            if authorizer is None:
                raise TemplateNotSupported(f"{logical_id}: AuthorizerId must be !Ref <authorizer of this API>")
        routes[key] = Route(key, function, authorizer, bool(properties.get("RouteResponseSelectionExpression")))
    return WebSocketApi(api_id, stage, api.get("RouteSelectionExpression", "$request.body.action"), routes)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _request_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def policy_allows(policy: Any, method_arn: str) -> bool:
    """Whether an IAM policy document allows execute-api:Invoke on `method_arn` (an explicit Deny wins)."""
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        applies = any(fnmatch.fnmatchcase("execute-api:Invoke", str(action)) for action in actions) and any(
            fnmatch.fnmatchcase(method_arn, str(resource)) for resource in resources
        )
        if applies and statement.get("Effect") == "Deny":
            return False
        if applies and statement.get("Effect") == "Allow":
            allowed = True
    return allowed


@dataclass
class Connection:
    id: str
    socket: web.WebSocketResponse
    connected_at: int
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any] | None
    last_active_at: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class WebSocketGateway:
    """Serves one WebSocket API; start() returns once the port listens, stop() closes every connection."""

    api: WebSocketApi
    invoke: Invoker
    region: str = "us-east-1"
    host: str = "127.0.0.1"
    port: int = 0
    connections: dict[str, Connection] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="websocket-gateway", daemon=True)
        self._runner: web.AppRunner | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        """Where clients connect (the stage's path works too, as in AWS)."""
        return f"ws://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        """The endpoint_url of boto3's apigatewaymanagementapi client (AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI)."""
        return f"http://{self.host}:{self.port}/{self.api.stage}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)

    async def _start(self) -> None:
        app = web.Application(client_max_size=MAX_POST_BYTES * 2)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if server is not None and server.sockets:  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._stopping = True
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    async def _stop(self) -> None:
        for connection in list(self.connections.values()):
            await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"gateway stopping")
        if self._runner is not None:
            await self._runner.cleanup()

    # Requests

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        # The raw path: a connection id may hold characters the client percent-encodes.
        match = CONNECTIONS_PATH.match(request.raw_path.split("?", 1)[0])
        if match:
            return await self._manage(request, urllib.parse.unquote(match["id"]))
        if request.headers.get("Upgrade", "").lower() == "websocket" and request.method == "GET":
            return await self._connect(request)
        return _problem(403, "ForbiddenException", "Forbidden")

    async def _call(self, function_name: str, event: dict[str, Any]) -> Invocation:
        return await asyncio.get_running_loop().run_in_executor(None, self.invoke, function_name, event)

    def _context(
        self, request: web.Request, route_key: str, event_type: str, connection_id: str, connected_at: int
    ) -> dict[str, Any]:
        now = _now_ms()
        request_id = str(uuid.uuid4())
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": self.api.stage,
            "connectedAt": connected_at,
            "requestTimeEpoch": now,
            "identity": {"sourceIp": request.remote or "127.0.0.1", "userAgent": request.headers.get("User-Agent")},
            "requestId": request_id,
            "domainName": request.host,
            "connectionId": connection_id,
            "apiId": self.api.api_id,
        }

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        connection_id = base64.urlsafe_b64encode(os.urandom(12)).decode()
        connected_at = _now_ms()
        headers = dict(request.headers)
        multi_headers = {name: request.headers.getall(name) for name in request.headers}
        query = dict(request.query) or None
        multi_query = {name: request.query.getall(name) for name in request.query} or None
        route = self.api.routes.get("$connect")
        try:
            authorizer = await self._authorize(request, route, connection_id, connected_at)
            if route is not None and route.function_name:
                context = self._context(request, "$connect", "CONNECT", connection_id, connected_at)
                if authorizer is not None:
                    context["authorizer"] = authorizer
                event = {
                    "headers": headers,
                    "multiValueHeaders": multi_headers,
                    "queryStringParameters": query,
                    "multiValueQueryStringParameters": multi_query,
                    "requestContext": context,
                    "isBase64Encoded": False,
                }
                result = await self._call(route.function_name, event)
                if result.function_error:
                    raise Refused(500, "Internal server error")
                status = result.payload.get("statusCode", 200) if isinstance(result.payload, dict) else 200
                if int(status) >= 300:
                    raise Refused(int(status), "Refused by the $connect route")
        except Refused as refused:
            return _problem(refused.status, None, refused.message)
        except Exception as error:  # the function could not be invoked at all
            LOG.warning("$connect could not be handled: %s", error)
            return _problem(500, None, "Internal server error")

        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        connection = Connection(
            connection_id,
            socket,
            connected_at,
            request.remote or "127.0.0.1",
            request.headers.get("User-Agent", ""),
            authorizer,
            last_active_at=connected_at,
        )
        self.connections[connection_id] = connection
        try:
            async for message in socket:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    connection.last_active_at = _now_ms()
                    body = message.data if message.type == WSMsgType.TEXT else message.data.decode(errors="replace")
                    await self._message(request, connection, body)
        finally:
            self.connections.pop(connection_id, None)
            if not self._stopping:
                await self._disconnect(request, connection)
        return socket

    async def _authorize(
        self, request: web.Request, route: Route | None, connection_id: str, connected_at: int
    ) -> dict[str, Any] | None:
        if route is None or route.authorizer is None:
            return None
        authorizer = route.authorizer
        for source in authorizer.identity_sources:
            kind, _, name = source.removeprefix("route.request.").partition(".")
            value = request.query.get(name) if kind == "querystring" else request.headers.get(name)
            if not value:
                raise Refused(401, "Unauthorized")
        method_arn = f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{self.api.api_id}/{self.api.stage}/$connect"
        event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            "headers": dict(request.headers),
            "multiValueHeaders": {name: request.headers.getall(name) for name in request.headers},
            "queryStringParameters": dict(request.query),
            "multiValueQueryStringParameters": {name: request.query.getall(name) for name in request.query},
            "stageVariables": {},
            "requestContext": self._context(request, "$connect", "CONNECT", connection_id, connected_at),
        }
        result = await self._call(authorizer.function_name, event)
        if result.function_error:
            message = result.payload.get("errorMessage") if isinstance(result.payload, dict) else None
            if message == "Unauthorized":  # API Gateway's contract for Lambda authorizers
                raise Refused(401, "Unauthorized")
            raise Refused(500, "Internal server error")
        response = result.payload
        if not isinstance(response, dict) or "principalId" not in response or "policyDocument" not in response:
            LOG.warning("%s: not an authorizer response: %r", authorizer.name, response)
            raise Refused(500, "Internal server error")
        if not policy_allows(response["policyDocument"], method_arn):
            raise Refused(403, "Forbidden")
        context = response.get("context") or {}
        return {**context, "principalId": response["principalId"], "integrationLatency": 0}

    def _route_of(self, body: str) -> Route | None:
        expression = self.api.route_selection_expression
        key = None
        if expression.startswith("$request.body."):
            try:
                value: Any = json.loads(body)
            except ValueError:
                value = None
            for name in expression.removeprefix("$request.body.").split("."):
                value = value.get(name) if isinstance(value, dict) else None
            key = value if isinstance(value, str) else None
        return self.api.routes.get(key) if key in self.api.routes else self.api.routes.get("$default")

    async def _message(self, request: web.Request, connection: Connection, body: str) -> None:
        route = self._route_of(body)
        key = route.key if route else "$default"
        context = self._context(request, key, "MESSAGE", connection.id, connection.connected_at)
        context["messageId"] = base64.b64encode(os.urandom(12)).decode()
        if connection.authorizer is not None:
            context["authorizer"] = connection.authorizer
        answer = {"connectionId": connection.id, "requestId": context["requestId"]}
        if route is None or route.function_name is None:
            await self._send(connection, json.dumps({"message": "Forbidden", **answer}))
            return
        event = {"requestContext": context, "body": body, "isBase64Encoded": False}
        try:
            result = await self._call(route.function_name, event)
        except Exception as error:
            LOG.warning("%s: route %s could not be invoked: %s", connection.id, route.key, error)
            result = Invocation(payload=None, function_error="Unhandled")
        if result.function_error:
            await self._send(connection, json.dumps({"message": "Internal server error", **answer}))
        elif route.two_way and isinstance(result.payload, dict) and result.payload.get("body") is not None:
            await self._send(connection, str(result.payload["body"]))

    async def _disconnect(self, request: web.Request, connection: Connection) -> None:
        route = self.api.routes.get("$disconnect")
        if route is None or route.function_name is None:
            return
        context = self._context(request, "$disconnect", "DISCONNECT", connection.id, connection.connected_at)
        context["disconnectStatusCode"] = connection.socket.close_code or WSCloseCode.ABNORMAL_CLOSURE
        context["disconnectReason"] = ""
        if connection.authorizer is not None:
            context["authorizer"] = connection.authorizer
        event = {
            "headers": dict(request.headers),
            "multiValueHeaders": {name: request.headers.getall(name) for name in request.headers},
            "requestContext": context,
            "isBase64Encoded": False,
        }
        try:
            await self._call(route.function_name, event)
        except Exception as error:  # best effort, as in AWS
            LOG.warning("%s: $disconnect could not be invoked: %s", connection.id, error)

    async def _send(self, connection: Connection, data: str | bytes) -> None:
        async with connection.lock:
            if isinstance(data, str):
                await connection.socket.send_str(data)
            else:
                await connection.socket.send_bytes(data)

    async def _manage(self, request: web.Request, connection_id: str) -> web.StreamResponse:
        connection = self.connections.get(connection_id)
        if connection is None or connection.socket.closed:
            return _problem(410, "GoneException", None)
        if request.method == "POST":
            data = await request.read()
            if len(data) > MAX_POST_BYTES:
                return _problem(413, "PayloadTooLargeException", "Message too long")
            try:
                payload: str | bytes = data.decode("utf-8")
            except UnicodeDecodeError:
                payload = data
            try:
                await self._send(connection, payload)
            except ConnectionError:
                return _problem(410, "GoneException", None)
            return web.Response(status=200)
        if request.method == "GET":
            return web.json_response(
                {
                    # The wire names (boto3 answers ConnectedAt, Identity.SourceIp...).
                    "connectedAt": _iso(connection.connected_at),
                    "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                    "lastActiveAt": _iso(connection.last_active_at),
                }
            )
        if request.method == "DELETE":
            await connection.socket.close(code=WSCloseCode.OK)
            return web.Response(status=204)
        return _problem(403, "ForbiddenException", "Forbidden")


def _problem(status: int, error_type: str | None, message: str | None) -> web.Response:
    """API Gateway's own answers: `{"message": ...}`, with the error type boto3 maps to its exceptions."""
    headers = {"x-amzn-ErrorType": error_type} if error_type else {}
    return web.json_response({"message": message}, status=status, headers=headers)


def start_websocket_gateway(
    template: dict[str, Any], invoke: Invoker, *, host: str = "127.0.0.1", port: int = 0, region: str = "us-east-1"
) -> WebSocketGateway | None:
    """Serve the template's WebSocket API on host:port (0: a free one; see .url and .management_url), calling
    functions through `invoke`; None when the template has no WebSocket API. stop() ends it."""
    api = websocket_api(template, region)
    if api is None:
        return None
    gateway = WebSocketGateway(api, invoke, region, host, port)
    gateway.start()
    return gateway


def local_environment(template: dict[str, Any], host: str, port: int) -> dict[str, str]:
    """What the functions need to push to connections of the gateway on host:port with boto3's
    apigatewaymanagementapi client (the stage's URL, as in AWS); nothing when the template has no WebSocket API."""
    api = websocket_api(template)
    return {"AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": f"http://{host}:{port}/{api.stage}"} if api else {}
