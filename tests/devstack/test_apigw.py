"""devstack.apigw's API over HTTP, on the fixture template in fixtures/: SAM CLI's local API Gateway, with functions
run as processes."""

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
import requests

from devstack.issuer import CLIENT_ID, ISSUER, DevIssuer
from tests.devstack.gateway import FIXTURES, FUNCTION_PYTHON, REPO_ROOT, alive, start_gateway, stop_gateway

PROBLEM_JSON = "application/problem+json"


def test_given_public_route_when_called_then_handler_answer_comes_back_and_event_has_sam_proxy_shape(gateway):
    response = gateway.get("/items/42?color=red", headers={"X-Custom": "yes"})

    assert response.status_code == 203
    assert response.headers["X-Fixture"] == "api"
    body = response.json()
    event = body["event"]
    assert event["resource"] == "/items/{item_id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"item_id": "42"}
    assert event["queryStringParameters"] == {"color": "red"}
    assert event["headers"]["X-Custom"] == "yes"
    assert event["requestContext"]["resourcePath"] == "/items/{item_id}"
    assert event["requestContext"]["stage"] == "test"
    assert body["context"]["function_name"] == "ApiFunction"
    assert 0 < body["context"]["remaining_ms"] <= 2000
    assert (body["greeting"], body["dep"]) == ("hello tester", "1.0")  # the layer and its dependencies


def test_given_function_prints_when_called_then_line_is_logged_under_its_name_not_answered(gateway):
    response = gateway.get("/items/printed-7")

    assert response.json()["event"]["pathParameters"] == {"item_id": "printed-7"}
    deadline = time.monotonic() + 5
    while "[ApiFunction] item printed-7 requested" not in gateway.log_text():
        assert time.monotonic() < deadline, gateway.log_text()[-2000:]
        time.sleep(0.05)


def test_given_env_vars_in_template_and_env_file_when_called_then_function_sees_resolved_values(gateway):
    env = gateway.get("/items/1").json()["env"]

    assert env == {
        "FROM_TEMPLATE": "template-value",
        "FROM_ENV_FILE": "env-file-value",  # "Parameters" in the file
        "FUNCTION_SPECIFIC": "function-value",  # the file's entry for ApiFunction
        "AWS_LAMBDA_FUNCTION_NAME": "ApiFunction",
        "_HANDLER": "app.lambda_handler",
    }


def test_given_authorizer_allows_when_private_route_called_then_its_context_reaches_the_handler(gateway):
    response = gateway.get("/private", headers={"Authorization": "Bearer allow"})

    assert response.status_code == 200
    assert response.json()["authorizer"] == {"principalId": "alice", "user": "alice", "tier": "gold"}


def test_given_no_authorization_header_when_private_route_called_then_template_unauthorized_response(gateway):
    response = gateway.get("/private")

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == {"title": "Authentication required", "detail": "Unauthorized"}


def test_given_authorizer_raises_unauthorized_when_private_route_called_then_401_unauthorized_response(gateway):
    response = gateway.get("/private", headers={"Authorization": "Bearer expired"})

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == {"title": "Authentication required", "detail": "Unauthorized"}


def test_given_authorizer_denies_when_private_route_called_then_403_from_default_4xx(gateway):
    response = gateway.get("/private", headers={"Authorization": "Bearer deny"})

    assert response.status_code == 403
    assert response.json() == {"title": "Rejected", "type": "ACCESS_DENIED"}


def test_given_authorizer_crashes_when_private_route_called_then_500_authorizer_failure_from_default_5xx(gateway):
    response = gateway.get("/private", headers={"Authorization": "Bearer crash"})

    assert response.status_code == 500
    assert response.headers["X-Gateway-Response"] == "default-5xx"
    assert response.json() == {"title": "Internal error", "type": "AUTHORIZER_FAILURE"}


def test_given_id_token_when_user_pool_route_called_then_its_claims_reach_the_handler_as_text(gateway, dev_issuer):
    token = dev_issuer.mint("alice", ["admin", "staff"], ttl_seconds=600)

    response = gateway.get("/member", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.text
    claims = response.json()["authorizer"]["claims"]
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert claims["sub"] == "alice" and claims["cognito:groups"] == "admin,staff"
    assert claims["token_use"] == "id" and claims["aud"] == CLIENT_ID and claims["iss"] == ISSUER
    assert claims["exp"] == time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(expiry))
    assert all(isinstance(value, str) for value in claims.values())


def test_given_token_without_bearer_scheme_when_user_pool_route_called_then_accepted_as_api_gateway_does(
    gateway, dev_issuer
):
    response = gateway.get("/member", headers={"Authorization": dev_issuer.mint("bob", [])})

    assert response.status_code == 200, response.text
    assert "cognito:groups" not in response.json()["authorizer"]["claims"]  # Cognito leaves it out: no group


BAD_POOL_TOKENS = {
    "no header": lambda issuer, tmp_path: None,
    "empty": lambda issuer, tmp_path: "",
    "scheme only": lambda issuer, tmp_path: "Bearer",
    "basic": lambda issuer, tmp_path: "Basic YWRtaW46YWRtaW4=",
    "garbage": lambda issuer, tmp_path: "Bearer not-a-jwt",
    "expired": lambda issuer, tmp_path: "Bearer " + issuer.mint("alice", ["admin"], ttl_seconds=-120),
    "wrong issuer": lambda issuer, tmp_path: "Bearer " + issuer.mint("alice", ["admin"], iss="https://else.example"),
    "other client": lambda issuer, tmp_path: "Bearer " + issuer.mint("alice", ["admin"], aud="another-app"),
    "access token": lambda issuer, tmp_path: (
        "Bearer " + issuer.mint("alice", ["admin"], token_use="access", aud=None, client_id=CLIENT_ID)
    ),
    "another key": lambda issuer, tmp_path: "Bearer " + DevIssuer(tmp_path).mint("alice", ["admin"]),
    "truncated signature": lambda issuer, tmp_path: "Bearer " + issuer.mint("alice", ["admin"])[:-8],
    "no sub": lambda issuer, tmp_path: "Bearer " + issuer.mint("alice", ["admin"], sub=None),
}


@pytest.mark.parametrize("kind", sorted(BAD_POOL_TOKENS))
def test_given_bad_or_no_token_when_user_pool_route_called_then_template_unauthorized_response(
    gateway, dev_issuer, tmp_path, kind
):
    authorization = BAD_POOL_TOKENS[kind](dev_issuer, tmp_path)
    headers = {} if authorization is None else {"Authorization": authorization}

    response = gateway.get("/member", headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == {"title": "Authentication required", "detail": "Unauthorized"}
    assert "user pool authorizer:" in gateway.log_text()


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("POST", "/items/1")])
def test_given_unknown_route_when_called_then_template_missing_authentication_token_response(gateway, method, path):
    response = requests.request(method, f"{gateway.url}{path}", timeout=30)

    assert response.status_code == 404  # the template's StatusCode; API Gateway's own is 403
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == {"title": "No such route"}


def test_given_handler_raises_when_called_then_502_and_the_same_worker_serves_the_next_request(gateway):
    before = gateway.get("/items/1").json()["pid"]

    response = gateway.get("/boom")

    assert response.status_code == 502
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == {"title": "Internal error", "type": "DEFAULT_5XX"}
    after = gateway.get("/items/1")
    assert after.status_code == 203
    assert after.json()["pid"] == before  # the Python runtime keeps its environment after a handler error


def test_given_function_module_fails_to_import_when_called_then_502_each_time_and_server_keeps_serving(gateway):
    responses = [gateway.get("/broken") for _ in range(2)]

    assert [response.status_code for response in responses] == [502, 502]
    assert "Runtime.ImportModuleError: Unable to import module 'app'" in gateway.log_text()
    assert gateway.get("/items/1").status_code == 203


def test_given_module_only_on_repo_or_venv_paths_when_function_imports_it_then_import_fails(gateway):
    body = gateway.get("/imports").json()

    assert body["importable"] == {"devstack": False, "samcli": False, "pytest": False, "conftest": False}
    function_prefix = Path(FUNCTION_PYTHON).resolve().parents[1]
    foreign = [entry for entry in body["path"] if not Path(entry).is_relative_to(FIXTURES)]
    assert all(Path(entry).is_relative_to(function_prefix) for entry in foreign), body["path"]
    # Only the standard library of the interpreter: its site-packages are not on Lambda's path either.
    assert not [entry for entry in foreign if "site-packages" in entry], body["path"]


def test_given_function_runs_past_its_timeout_when_called_then_502_at_the_timeout(gateway):
    started = time.monotonic()
    response = gateway.get("/sleep")
    elapsed = time.monotonic() - started

    assert response.status_code == 502
    assert 2 <= elapsed < 10  # Timeout: 2 in the template; the handler sleeps 30 s
    assert "Task timed out after 2.00 seconds" in gateway.log_text()
    assert gateway.get("/items/1").status_code == 203


def test_given_eight_concurrent_clients_when_they_call_then_every_request_gets_its_own_answer(gateway):
    def call(number: int) -> tuple[int, str]:
        response = gateway.get(f"/items/{number}")
        return response.status_code, response.json()["event"]["pathParameters"]["item_id"]

    with ThreadPoolExecutor(max_workers=8) as clients:
        results = list(clients.map(call, range(80)))

    assert results == [(203, str(number)) for number in range(80)]


def test_given_busy_and_idle_workers_when_server_stops_then_no_worker_process_remains(tmp_path):
    gateway = start_gateway(tmp_path)
    try:
        with ThreadPoolExecutor(max_workers=4) as clients:
            assert set(clients.map(lambda _: gateway.get("/items/1").status_code, range(8))) == {203}
        sleeping = ThreadPoolExecutor(max_workers=1)
        sleeping.submit(gateway.get, "/sleep")  # keeps a worker busy while the server stops
        time.sleep(0.5)
        workers = gateway.children()
        assert len(workers) >= 2
    finally:
        exit_code = stop_gateway(gateway)

    assert exit_code == 0
    deadline = time.monotonic() + 5
    while survivors := {pid for pid in workers if alive(pid)}:
        assert time.monotonic() < deadline, f"worker processes left behind: {survivors}"
        time.sleep(0.05)
    sleeping.shutdown(wait=True)


# API Gateway's quotas for a Regional REST API, and how it routes slashes: answered by the gateway, before any function.
MAX_URL_CHARACTERS = 10240
MAX_HEADER_BYTES = 10240
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
TEMPLATE_REQUEST_TOO_LARGE = {"title": "Request too large", "status": 413}


def raw_request(gateway, request_bytes: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client between to refuse them); the status, headers and body answered."""
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request_bytes)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()


def test_given_body_of_exactly_10_mib_when_posted_then_the_function_receives_all_of_it(gateway):
    response = requests.post(f"{gateway.url}/upload", data=b"a" * MAX_PAYLOAD_BYTES, timeout=60)

    assert response.status_code == 200
    assert response.json() == {"received": MAX_PAYLOAD_BYTES}


@pytest.mark.parametrize("path", ["/upload", "/nowhere"])
def test_given_body_one_byte_over_10_mib_when_posted_then_413_from_template_before_routing(gateway, path):
    response = requests.post(f"{gateway.url}{path}", data=b"a" * (MAX_PAYLOAD_BYTES + 1), timeout=60)

    assert response.status_code == 413
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == TEMPLATE_REQUEST_TOO_LARGE


def test_given_chunked_body_over_10_mib_when_posted_then_413_from_template(gateway):
    def chunks():  # no Content-Length: requests sends a generator chunked
        for _ in range(11):
            yield b"a" * (1024 * 1024)

    response = requests.post(f"{gateway.url}/upload", data=chunks(), timeout=60)

    assert response.status_code == 413
    assert response.json() == TEMPLATE_REQUEST_TOO_LARGE
    assert gateway.get("/items/1").status_code == 203  # the connection's leftovers did not upset the server


def test_given_url_at_and_over_10240_characters_when_called_then_only_the_longer_is_refused_with_414(gateway):
    query = "/items/1?q="

    at_quota = gateway.get(query + "a" * (MAX_URL_CHARACTERS - len(query)))
    over_quota = gateway.get(query + "a" * (MAX_URL_CHARACTERS - len(query) + 1))

    assert at_quota.status_code == 203
    assert over_quota.status_code == 414  # no type of its own: DEFAULT_4XX's body, which sets no status code
    assert over_quota.json() == {"title": "Rejected", "type": "DEFAULT_4XX"}


def test_given_request_line_over_64_kib_when_sent_then_same_414_json_not_the_dev_server_html(gateway):
    status, headers, body = raw_request(gateway, b"GET /items/1?q=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")

    assert status == 414
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"title": "Rejected", "type": "DEFAULT_4XX"}


def test_given_headers_at_and_over_10240_bytes_when_called_then_only_the_larger_get_413_from_template(gateway):
    def send(pad: str) -> tuple[int, dict[str, str], bytes]:
        head = f"Host: x\r\nConnection: close\r\nX-Pad: {pad}\r\n"
        return raw_request(gateway, f"GET /items/1 HTTP/1.1\r\n{head}\r\n".encode())

    # Every header counts as "Name: value\r\n": the pad brings the total to the quota, then one byte past it.
    pad = "a" * (MAX_HEADER_BYTES - len("Host: x\r\nConnection: close\r\nX-Pad: \r\n"))

    at_quota, over_quota = send(pad), send(pad + "a")

    assert at_quota[0] == 203
    assert over_quota[0] == 413
    assert over_quota[1]["Content-Type"] == PROBLEM_JSON
    assert json.loads(over_quota[2]) == TEMPLATE_REQUEST_TOO_LARGE


def test_given_header_line_over_64_kib_when_sent_then_413_json_not_the_dev_server_html(gateway):
    status, headers, body = raw_request(
        gateway, b"GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70000 + b"\r\n\r\n"
    )

    assert status == 413
    assert headers["Content-Type"] == PROBLEM_JSON
    assert json.loads(body) == TEMPLATE_REQUEST_TOO_LARGE


@pytest.mark.parametrize(
    ("path", "event_path"),
    [
        (
            "/items/42/",
            "/items/42/",
        ),  # routed as /items/42; the function sees the slash (Powertools' REST router ignores it)
        ("//items/42", "/items/42"),  # leading slashes merged
        ("///items/42/", "/items/42/"),
    ],
)
def test_given_trailing_or_leading_extra_slashes_when_called_then_routed_as_api_gateway_does(gateway, path, event_path):
    status, _, body = raw_request(gateway, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())

    assert status == 203
    event = json.loads(body)["event"]
    assert (event["path"], event["resource"], event["pathParameters"]) == (
        event_path,
        "/items/{item_id}",
        {"item_id": "42"},
    )


@pytest.mark.parametrize("path", ["/items//42", "/items/42//"])
def test_given_empty_segment_inside_path_when_called_then_no_route_rather_than_a_redirect(gateway, path):
    status, headers, body = raw_request(
        gateway, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )

    assert status == 404  # Werkzeug answered 308 to the merged path
    assert "Location" not in headers
    assert json.loads(body) == {"title": "No such route"}


@pytest.fixture(scope="module")
def shop_gateway(tmp_path_factory):
    """devstack.apigw on the shop's own template.yaml: its GatewayResponses, no function called."""
    started = start_gateway(tmp_path_factory.mktemp("shop-apigw"), REPO_ROOT / "template.yaml")
    yield started
    stop_gateway(started)


def shop_problem(slug: str, title: str, status: int, detail: str) -> dict[str, object]:
    return {"type": f"urn:shop:problem:{slug}", "title": title, "status": status, "detail": detail}


SHOP_TOO_LARGE = shop_problem(
    "request-too-large", "Request too large", 413, "the request exceeds the size API Gateway accepts"
)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "problem"),
    [
        ("POST", "/products", {"data": b"a" * (MAX_PAYLOAD_BYTES + 1)}, 413, SHOP_TOO_LARGE),
        ("GET", "/products", {"headers": {"X-Pad": "a" * MAX_HEADER_BYTES}}, 413, SHOP_TOO_LARGE),
        # DEFAULT_4XX sets StatusCode 400: API Gateway gives it to every 4XX that falls back to it, 414 included.
        (
            "GET",
            "/products?q=" + "a" * MAX_URL_CHARACTERS,
            {},
            400,
            shop_problem("bad-request", "Bad request", 400, "the gateway rejected the request"),
        ),
        (
            "GET",
            "/products//1",
            {},
            404,
            shop_problem("route-not-found", "No such route", 404, "no route matches this method and path"),
        ),
    ],
    ids=["body", "headers", "url", "empty-segment"],
)
def test_given_shop_template_when_a_quota_is_passed_then_its_gateway_response_as_problem_json(
    shop_gateway, method, path, kwargs, status, problem
):
    response = requests.request(method, f"{shop_gateway.url}{path}", timeout=60, **kwargs)

    assert response.status_code == status
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json() == problem


def test_given_shop_template_when_signed_in_route_called_without_token_then_401_problem_before_any_function(
    shop_gateway,
):
    response = requests.get(f"{shop_gateway.url}/cart", timeout=60)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json()["type"] == "urn:shop:problem:unauthenticated"


def test_given_shop_template_when_the_pools_keys_are_out_of_reach_then_500_authorizer_failure(shop_gateway, dev_issuer):
    # This gateway's JWKS address has nothing listening: the token cannot be checked, which is not the caller's fault.
    headers = {"Authorization": f"Bearer {dev_issuer.mint('alice', [])}"}

    response = requests.get(f"{shop_gateway.url}/cart", headers=headers, timeout=60)

    assert response.status_code == 500
    assert response.json() == shop_problem("internal", "Internal error", 500, "the request could not be authorized")
