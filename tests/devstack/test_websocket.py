"""The local WebSocket gateway (devstack.websocket) on fixtures/websocket.yaml, spoken to as a browser and a function
would: a `websockets` client connecting with or without a token, and boto3's apigatewaymanagementapi pushing to it.

The route functions are fakes recording the events API Gateway would send them.
"""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from devstack.streams import Invocation
from devstack.template import load_template
from devstack.websocket import (
    WebSocketGateway,
    local_environment,
    policy_allows,
    start_websocket_gateway,
    websocket_api,
)

FIXTURE = load_template(Path(__file__).resolve().parent / "fixtures" / "websocket.yaml")
REGION = "us-east-1"
USERS = {"alice-token": "alice", "bob-token": "bob"}


def allow(principal: str, resource: str) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}],
        },
        "context": {"user_id": principal, "groups": ""},
    }


@dataclass
class FakeFunctions:
    """The API's functions: an authorizer by token, a connections function, a message function."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    management: Any = None  # a boto3 apigatewaymanagementapi client, for a function that answers by pushing

    def __call__(self, function_name: str, event: dict[str, Any]) -> Invocation:
        json.dumps(event)  # what Lambda is sent is JSON
        with self.lock:
            self.calls.append((function_name, event))
        return getattr(self, function_name)(event)

    def AuthorizerFunction(self, event: dict[str, Any]) -> Invocation:
        token = event["queryStringParameters"]["token"]
        if token in USERS:
            return Invocation(payload=allow(USERS[token], event["methodArn"]))
        if token == "denied":
            return Invocation(payload=allow("mallory", event["methodArn"]) | {"policyDocument": {"Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}]}})  # fmt: skip
        if token == "elsewhere":  # allowed, but on another API's ARN
            return Invocation(payload=allow("mallory", "arn:aws:execute-api:us-east-1:123456789012:other/*"))
        if token == "garbage":
            return Invocation(payload={"hello": "world"})
        # An expired or forged token: the authorizer's contract is to fail with exactly "Unauthorized".
        return Invocation(
            payload={"errorMessage": "Unauthorized", "errorType": "Exception"}, function_error="Unhandled"
        )

    def ConnectionsFunction(self, event: dict[str, Any]) -> Invocation:
        query = event.get("queryStringParameters") or {}
        if "refuse" in query:
            return Invocation(payload={"statusCode": 403})
        if "crash" in query:
            return Invocation(payload={"errorMessage": "boom", "errorType": "ValueError"}, function_error="Unhandled")
        return Invocation(payload={"statusCode": 200})

    def MessageFunction(self, event: dict[str, Any]) -> Invocation:
        body = event["body"]
        if "explode" in body:
            return Invocation(payload={"errorMessage": "boom", "errorType": "ValueError"}, function_error="Unhandled")
        if "echo-by-push" in body:
            # A handler answering through the management API while its own message is being handled.
            self.management.post_to_connection(
                ConnectionId=event["requestContext"]["connectionId"], Data=f"pushed:{body}".encode()
            )
        return Invocation(payload={"statusCode": 200, "body": "pong"})

    def events_of(self, function_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [event for name, event in self.calls if name == function_name]


@pytest.fixture
def functions() -> FakeFunctions:
    return FakeFunctions()


@pytest.fixture
def gateway(functions) -> Iterator[WebSocketGateway]:
    started = start_websocket_gateway(FIXTURE, functions)
    assert started is not None
    functions.management = management_client(started)
    yield started
    started.stop()


def management_client(gateway: WebSocketGateway) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=gateway.management_url,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}),
    )


def open_socket(gateway: WebSocketGateway, token: str | None, path: str = "", **query: str) -> ClientConnection:
    parameters = {**({"token": token} if token is not None else {}), **query}
    url = f"{gateway.url}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in parameters.items()) if parameters else "")
    return connect(url, proxy=None, open_timeout=10)


def connection_id_of(functions: FakeFunctions) -> str:
    [connect_event] = [event for event in functions.events_of("ConnectionsFunction")
                       if event["requestContext"]["eventType"] == "CONNECT"]  # fmt: skip
    return connect_event["requestContext"]["connectionId"]


def wait_for(predicate, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def refusal(gateway: WebSocketGateway, token: str | None, **query: str) -> int:
    with pytest.raises(InvalidStatus) as raised:
        open_socket(gateway, token, **query)
    return raised.value.response.status_code


def test_given_template_when_read_then_routes_integrations_authorizer_and_stage_come_from_it():
    api = websocket_api(FIXTURE)

    assert api is not None
    assert (api.stage, api.route_selection_expression) == ("live", "$request.body.action")
    assert {key: route.function_name for key, route in api.routes.items()} == {
        "$connect": "ConnectionsFunction",
        "$disconnect": "ConnectionsFunction",
        "$default": "MessageFunction",
        "ping": "MessageFunction",
    }
    connect_authorizer = api.routes["$connect"].authorizer
    assert connect_authorizer is not None
    assert (connect_authorizer.function_name, connect_authorizer.identity_sources) == (
        "AuthorizerFunction",
        ("route.request.querystring.token",),
    )
    assert api.routes["ping"].two_way and not api.routes["$default"].two_way
    assert websocket_api({"Resources": {}}) is None


def test_given_valid_token_when_connecting_then_authorizer_and_connect_get_api_gateway_events(gateway, functions):
    with open_socket(gateway, "alice-token"):
        pass

    [authorizer_event] = functions.events_of("AuthorizerFunction")
    assert authorizer_event["type"] == "REQUEST"
    assert authorizer_event["methodArn"] == "arn:aws:execute-api:us-east-1:123456789012:liveapi/live/$connect"
    assert authorizer_event["queryStringParameters"] == {"token": "alice-token"}
    assert authorizer_event["requestContext"]["routeKey"] == "$connect"
    connect_event = functions.events_of("ConnectionsFunction")[0]
    context = connect_event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["stage"]) == ("$connect", "CONNECT", "live")
    assert context["domainName"] == f"127.0.0.1:{gateway.port}"
    assert context["connectionId"] == authorizer_event["requestContext"]["connectionId"]
    assert context["authorizer"]["principalId"] == "alice"
    assert context["authorizer"]["user_id"] == "alice"
    assert connect_event["queryStringParameters"] == {"token": "alice-token"}
    assert connect_event["isBase64Encoded"] is False


def test_given_stage_path_when_connecting_then_accepted_as_on_aws(gateway, functions):
    with open_socket(gateway, "alice-token", path="/live"):
        pass

    assert functions.events_of("ConnectionsFunction")


def test_given_no_token_when_connecting_then_401_and_no_function_runs(gateway, functions):
    assert refusal(gateway, None) == 401
    assert functions.calls == []


def test_given_expired_or_forged_token_when_connecting_then_401_and_connect_function_not_called(gateway, functions):
    assert refusal(gateway, "expired") == 401
    assert [name for name, _ in functions.calls] == ["AuthorizerFunction"]


@pytest.mark.parametrize(("token", "status"), [("denied", 403), ("elsewhere", 403), ("garbage", 500)])
def test_given_authorizer_denies_or_answers_badly_when_connecting_then_refused(gateway, functions, token, status):
    assert refusal(gateway, token) == status
    assert functions.events_of("ConnectionsFunction") == []


@pytest.mark.parametrize(("query", "status"), [({"refuse": "1"}, 403), ({"crash": "1"}, 500)])
def test_given_connect_function_refuses_or_fails_when_connecting_then_upgrade_refused(gateway, query, status):
    assert refusal(gateway, "alice-token", **query) == status
    assert gateway.connections == {}


def test_given_connected_client_when_function_posts_to_connection_then_client_receives_it(gateway, functions):
    with open_socket(gateway, "alice-token") as socket:
        connection_id = connection_id_of(functions)
        management_client(gateway).post_to_connection(
            ConnectionId=connection_id, Data=json.dumps({"order_id": "o-1", "status": "SHIPPED"}).encode()
        )

        assert json.loads(socket.recv(timeout=5)) == {"order_id": "o-1", "status": "SHIPPED"}


def test_given_endpoint_from_environment_when_posting_then_boto3_finds_the_gateway(gateway, functions, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", gateway.management_url)
    client = boto3.client("apigatewaymanagementapi", region_name=REGION)

    with open_socket(gateway, "alice-token") as socket:
        client.post_to_connection(ConnectionId=connection_id_of(functions), Data=b"hello")

        assert socket.recv(timeout=5) == "hello"


def test_given_connection_when_described_then_connected_at_and_identity(gateway, functions):
    with open_socket(gateway, "alice-token"):
        description = management_client(gateway).get_connection(ConnectionId=connection_id_of(functions))

    assert description["Identity"]["SourceIp"] == "127.0.0.1"
    assert "websockets" in description["Identity"]["UserAgent"]
    assert description["LastActiveAt"] >= description["ConnectedAt"]


def test_given_unknown_connection_when_posting_getting_or_deleting_then_gone(gateway):
    client = management_client(gateway)

    for call in (
        lambda: client.post_to_connection(ConnectionId="bm90LWEtY29ubmVjdGlvbg=", Data=b"x"),
        lambda: client.get_connection(ConnectionId="bm90LWEtY29ubmVjdGlvbg="),
        lambda: client.delete_connection(ConnectionId="bm90LWEtY29ubmVjdGlvbg="),
    ):
        with pytest.raises(client.exceptions.GoneException):
            call()


def test_given_client_closed_when_posting_then_gone_and_disconnect_got_disconnect_event(gateway, functions):
    with open_socket(gateway, "alice-token") as socket:
        connection_id = connection_id_of(functions)
        socket.close()
    client = management_client(gateway)

    assert wait_for(lambda: len(functions.events_of("ConnectionsFunction")) == 2)
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"too late")
    disconnect = functions.events_of("ConnectionsFunction")[1]["requestContext"]
    assert (disconnect["routeKey"], disconnect["eventType"]) == ("$disconnect", "DISCONNECT")
    assert disconnect["connectionId"] == connection_id
    assert disconnect["disconnectStatusCode"] == 1000
    assert disconnect["authorizer"]["principalId"] == "alice"


def test_given_connection_when_deleted_through_management_api_then_client_is_closed(gateway, functions):
    with open_socket(gateway, "alice-token") as socket:
        management_client(gateway).delete_connection(ConnectionId=connection_id_of(functions))

        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=5)

    assert wait_for(lambda: gateway.connections == {})


def test_given_too_large_payload_when_posting_then_payload_too_large(gateway, functions):
    with open_socket(gateway, "alice-token"):
        client = management_client(gateway)
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=connection_id_of(functions), Data=b"x" * (128 * 1024 + 1))


def test_given_two_clients_when_posting_to_one_then_only_that_one_receives(gateway, functions):
    with open_socket(gateway, "alice-token") as alice, open_socket(gateway, "bob-token") as bob:
        ids = {event["requestContext"]["authorizer"]["principalId"]: event["requestContext"]["connectionId"]
               for event in functions.events_of("ConnectionsFunction")}  # fmt: skip
        management_client(gateway).post_to_connection(ConnectionId=ids["bob"], Data=b"for bob")

        assert bob.recv(timeout=5) == "for bob"
        with pytest.raises(TimeoutError):
            alice.recv(timeout=0.3)


def test_given_action_with_two_way_route_when_sent_then_route_function_runs_and_answer_comes_back(gateway, functions):
    with open_socket(gateway, "alice-token") as socket:
        socket.send(json.dumps({"action": "ping", "n": 1}))

        assert socket.recv(timeout=5) == "pong"

    [event] = functions.events_of("MessageFunction")
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("ping", "MESSAGE")
    assert context["authorizer"]["user_id"] == "alice"
    assert context["messageId"]
    assert json.loads(event["body"]) == {"action": "ping", "n": 1}


@pytest.mark.parametrize("body", [json.dumps({"action": "unknown"}), "not json", json.dumps({"no": "action"})])
def test_given_message_no_route_selects_when_sent_then_default_route_runs_one_way(gateway, functions, body):
    with open_socket(gateway, "alice-token") as socket:
        socket.send(body)
        assert wait_for(lambda: functions.events_of("MessageFunction"))

        with pytest.raises(TimeoutError):  # $default is one-way here: its response is not sent back
            socket.recv(timeout=0.3)

    [event] = functions.events_of("MessageFunction")
    assert event["requestContext"]["routeKey"] == "$default"
    assert event["body"] == body


def test_given_route_function_fails_when_message_sent_then_client_gets_internal_server_error(gateway, functions):
    with open_socket(gateway, "alice-token") as socket:
        socket.send(json.dumps({"action": "ping", "explode": True}))

        answer = json.loads(socket.recv(timeout=5))

    assert answer["message"] == "Internal server error"
    assert answer["connectionId"] == connection_id_of(functions)


def test_given_handler_pushes_to_its_own_connection_while_handling_then_client_gets_push_then_answer(
    gateway, functions
):
    with open_socket(gateway, "alice-token") as socket:
        socket.send(json.dumps({"action": "ping", "echo-by-push": True}))

        assert socket.recv(timeout=5).startswith("pushed:")
        assert socket.recv(timeout=5) == "pong"


def test_given_api_without_default_route_when_unrouted_message_sent_then_forbidden_message(functions):
    api = websocket_api(FIXTURE)
    assert api is not None
    without_default = replace(api, routes={key: route for key, route in api.routes.items() if key != "$default"})
    gateway = WebSocketGateway(without_default, functions)
    gateway.start()
    try:
        with open_socket(gateway, "alice-token") as socket:
            socket.send(json.dumps({"action": "nothing-here"}))

            assert json.loads(socket.recv(timeout=5))["message"] == "Forbidden"
    finally:
        gateway.stop()


def test_given_plain_http_request_when_not_an_upgrade_or_management_call_then_forbidden(gateway):
    response = requests.get(f"http://127.0.0.1:{gateway.port}/live", timeout=5)

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_given_open_connections_when_gateway_stops_then_clients_are_closed(functions):
    gateway = start_websocket_gateway(FIXTURE, functions)
    assert gateway is not None
    with open_socket(gateway, "alice-token") as socket:
        gateway.stop()

        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=5)


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/*"}], True),
        ([{"Effect": "Allow", "Action": "*", "Resource": ["arn:aws:execute-api:r:a:api/live/$connect"]}], True),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:r:a:other/*"}], False),
        (
            [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:r:a:api/*"},
            ],
            False,
        ),
        ([], False),
    ],
)
def test_given_policy_when_evaluated_then_allow_needs_a_matching_allow_and_no_matching_deny(statements, allowed):
    assert policy_allows({"Statement": statements}, "arn:aws:execute-api:r:a:api/live/$connect") is allowed


def test_given_template_when_environment_asked_then_management_endpoint_is_the_stage_url():
    assert local_environment(FIXTURE, "127.0.0.1", 3003) == {
        "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "http://127.0.0.1:3003/live"
    }
    assert local_environment({"Resources": {}}, "127.0.0.1", 3003) == {}


def test_given_identity_source_the_local_gateway_cannot_read_when_template_read_then_start_fails_naming_it():
    resources = dict(FIXTURE["Resources"])
    authorizer = resources["LiveAuthorizer"]
    resources["LiveAuthorizer"] = {
        **authorizer,
        "Properties": {**authorizer["Properties"], "IdentitySource": ["context.something"]},
    }

    with pytest.raises(SystemExit, match=r"LiveAuthorizer: identity source 'context\.something'"):
        websocket_api({"Resources": resources})
