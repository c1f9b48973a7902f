"""The admin function's adapters: the security API (through the real lazy client, against a transport-level
double of the security plugin; osmem-server has none, see tests/integration) and CloudFormation's response URL."""

import json

import opensearchpy
import pytest

from devstack.common import free_port
from shop.common import clients
from shop.common.settings import opensearch_settings
from shop.search.administration import cfn_response
from shop.search.administration.cfn_response import ResponseNotDelivered, put_response
from shop.search.administration.security import SearchSecurity, SecurityApiError
from tests.doubles.search_admin import SecurityPluginDouble, connection_class, response_url

ROLE = {"cluster_permissions": ["cluster_composite_ops_ro"], "index_permissions": []}
ARN = "arn:aws:iam::123456789012:role/shop-dev-SearchFunctionRole-6F5E4D3C2B1A"


def _point_client_at(monkeypatch, endpoint: str) -> None:
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", endpoint)
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    opensearch_settings.cache_clear()
    clients.opensearch_client.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_client():
    yield
    opensearch_settings.cache_clear()
    clients.opensearch_client.cache_clear()


@pytest.fixture
def plugin(monkeypatch) -> SecurityPluginDouble:
    """The security plugin, behind the lazy client as the domain would be (nothing else is listening)."""
    double = SecurityPluginDouble()
    monkeypatch.setattr(opensearchpy, "RequestsHttpConnection", connection_class(double))
    _point_client_at(monkeypatch, f"http://127.0.0.1:{free_port()}")
    return double


# --- Security API ---


def test_given_a_role_when_put_twice_then_the_same_definition_is_created_then_replaced(plugin):
    SearchSecurity().put_role("shop_search", ROLE)
    SearchSecurity().put_role("shop_search", ROLE)

    assert plugin.requests == [("PUT", "/_plugins/_security/api/roles/shop_search", ROLE)] * 2
    assert plugin.roles == {"shop_search": ROLE}


def test_given_a_mapping_when_put_then_exactly_those_backend_roles_and_no_users_or_hosts(plugin):
    plugin.mappings["all_access"] = {"backend_roles": ["arn:aws:iam::123456789012:role/old"], "users": ["admin"]}

    SearchSecurity().put_role_mapping("all_access", [ARN])

    assert plugin.requests == [
        ("PUT", "/_plugins/_security/api/rolesmapping/all_access", {"backend_roles": [ARN], "hosts": [], "users": []})
    ]
    assert plugin.mappings["all_access"] == {"backend_roles": [ARN], "hosts": [], "users": []}


def test_given_a_caller_without_admin_rights_when_putting_then_a_403_naming_what_to_fix(plugin):
    plugin.forbidden = True

    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role("shop_search", ROLE)

    assert raised.value.status == 403 and not raised.value.retriable
    assert "PUT roles/shop_search: 403 no permissions" in str(raised.value)
    assert "master user" in str(raised.value)


def test_given_a_domain_whose_security_is_not_initialised_when_putting_then_a_retriable_error(plugin):
    plugin.unavailable = 1

    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role_mapping("all_access", [ARN])

    assert raised.value.status == 503 and raised.value.retriable
    assert "OpenSearch Security not initialized" in str(raised.value)


def test_given_a_mapping_of_an_undefined_role_when_put_then_not_found_with_the_plugins_message(plugin):
    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role_mapping("shop_indexer", [ARN])

    assert raised.value.status == 404 and not raised.value.retriable
    assert "Role 'shop_indexer' is not available for role-mapping." in str(raised.value)


def test_given_an_unknown_key_in_a_role_when_put_then_the_plugin_refuses_it(plugin):
    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role("shop_search", {**ROLE, "index_patterns": ["products*"]})

    assert raised.value.status == 400 and "Invalid configuration" in str(raised.value)


def test_given_an_unreachable_domain_when_putting_then_a_retriable_unreachable_error(monkeypatch):
    _point_client_at(monkeypatch, f"http://127.0.0.1:{free_port()}")

    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role("shop_search", ROLE)

    assert raised.value.status == "unreachable" and raised.value.retriable


# --- CloudFormation's response URL ---


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(cfn_response, "PAUSE_SECONDS", 0.0)
    monkeypatch.setattr(cfn_response, "ATTEMPT_TIMEOUT_SECONDS", 2.0)


BODY = {"Status": "SUCCESS", "Reason": "ok", "PhysicalResourceId": "p", "Data": {"Index": "products-v1"}}


def test_given_an_answer_when_put_then_the_json_reaches_the_url_unchanged_without_a_content_type(quick):
    with response_url() as url:
        put_response(url.url, BODY)

    answer = url.only
    assert answer.body == BODY
    # The query (the pre-signed signature) is sent exactly as given, escapes included.
    assert answer.path == "/answer?X-Amz-Signature=abc%2Fdef"
    assert answer.headers.get("Content-Type") == ""
    assert int(answer.headers["Content-Length"]) == len(json.dumps(BODY))


def test_given_a_server_error_when_put_then_retried_until_taken(quick):
    with response_url(statuses=[500, 503]) as url:
        put_response(url.url, BODY)

    assert [answer.body for answer in url.answers] == [BODY] * 3


def test_given_a_refusal_when_put_then_not_retried_and_reported(quick):
    with response_url(statuses=[403]) as url, pytest.raises(ResponseNotDelivered, match="403"):
        put_response(url.url, BODY)

    assert len(url.answers) == 1


def test_given_errors_on_every_attempt_when_put_then_reported_after_the_last(quick):
    with response_url(statuses=[500] * 5) as url, pytest.raises(ResponseNotDelivered, match="500"):
        put_response(url.url, BODY)

    assert len(url.answers) == cfn_response.ATTEMPTS


def test_given_an_unreachable_url_when_put_then_reported(quick):
    with pytest.raises(ResponseNotDelivered, match="did not take the answer"):
        put_response(f"http://127.0.0.1:{free_port()}/answer", BODY)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.invalid/x",
        "answer",
        "https://attacker.example.com/collect",
        "https://s3.amazonaws.com.attacker.example/x",
        "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "http://10.0.0.5/internal",
    ],
)
def test_given_a_url_that_is_not_cloudformations_when_put_then_refused_before_any_request(url):
    with pytest.raises(ResponseNotDelivered, match="not an HTTP"):
        put_response(url, BODY)


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws?X-Amz-Signature=x",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        "http://127.0.0.1:8080/answer",
    ],
)
def test_given_cloudformations_or_a_local_url_then_it_is_accepted(url):
    assert cfn_response.is_cloudformation_response_url(url)
