"""devstack.apigw's API over HTTP, on the fixture template in fixtures/: SAM CLI's local API Gateway, with functions
run as processes."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.devstack.gateway import FIXTURES, FUNCTION_PYTHON, alive, start_gateway, stop_gateway

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
