"""The OpenSearch client: SigV4 with the role's credentials in AWS, plain HTTP locally, once per container."""

import pytest
from pydantic import ValidationError
from requests_aws4auth import AWS4Auth

from shop.common import clients
from shop.common.settings import OpenSearchSettings, opensearch_settings


@pytest.fixture
def search_env(monkeypatch):
    def configure(**variables: str) -> None:
        for name in ("OPENSEARCH_ENDPOINT", "OPENSEARCH_AUTH", "AWS_REGION", "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        opensearch_settings.cache_clear()
        clients.opensearch_client.cache_clear()

    yield configure
    opensearch_settings.cache_clear()
    clients.opensearch_client.cache_clear()


def test_given_aws_settings_when_client_created_then_requests_are_signed_for_es_in_the_region_over_tls(search_env):
    search_env(OPENSEARCH_ENDPOINT="https://search-shop.eu-west-1.es.amazonaws.com", AWS_REGION="eu-west-1")

    client = clients.opensearch_client()

    (connection,) = client.transport.connection_pool.connections
    auth = connection.session.auth
    assert isinstance(auth, AWS4Auth)
    assert (auth.region, auth.service) == ("eu-west-1", "es")
    assert connection.use_ssl is True
    assert connection.session.verify  # a CA bundle: certificates are checked


def test_given_local_settings_when_client_created_then_plain_http_without_signing(search_env):
    search_env(OPENSEARCH_ENDPOINT="http://127.0.0.1:9200", OPENSEARCH_AUTH="none")

    (connection,) = clients.opensearch_client().transport.connection_pool.connections

    assert connection.session.auth is None
    assert connection.use_ssl is False


def test_given_a_container_when_client_asked_twice_then_it_is_created_once(search_env):
    search_env(OPENSEARCH_ENDPOINT="http://127.0.0.1:9200", OPENSEARCH_AUTH="none")

    assert clients.opensearch_client() is clients.opensearch_client()


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"OPENSEARCH_ENDPOINT": "search-shop.es.amazonaws.com", "AWS_REGION": "eu-west-1"},
        {"OPENSEARCH_ENDPOINT": "https://search-shop.es.amazonaws.com/products", "AWS_REGION": "eu-west-1"},
        {"OPENSEARCH_ENDPOINT": "https://search-shop.es.amazonaws.com"},
        {"OPENSEARCH_ENDPOINT": "http://127.0.0.1:9200", "OPENSEARCH_AUTH": "basic", "AWS_REGION": "eu-west-1"},
    ],
)
def test_given_missing_or_invalid_search_settings_when_validated_then_cold_start_fails(search_env, variables):
    search_env(**variables)

    with pytest.raises(ValidationError):
        OpenSearchSettings()


def test_given_one_service_when_its_client_asked_for_twice_then_one_client_per_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    clients.aws_client.cache_clear()
    try:
        first = clients.aws_client("sns")
        assert clients.aws_client("sns") is first
        assert clients.aws_client("sns", "http://127.0.0.1:1") is not first
        assert clients.aws_client("sns", "http://127.0.0.1:1").meta.endpoint_url == "http://127.0.0.1:1"
    finally:
        clients.aws_client.cache_clear()


def test_given_retries_then_botocore_retries_in_standard_mode_that_many_times_after_the_first_attempt(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    clients.aws_client.cache_clear()
    try:
        retries = clients.aws_client("events", retries=3).meta.config.retries
        default = clients.aws_client("events").meta.config.retries
    finally:
        clients.aws_client.cache_clear()

    assert retries["mode"] == "standard" and retries["total_max_attempts"] == 4
    assert default != retries
