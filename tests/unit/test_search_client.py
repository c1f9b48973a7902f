"""The OpenSearch client (SigV4 with the role's credentials in AWS, plain HTTP locally, once per container),
what a failing search becomes, and reading numbers out of items."""

from decimal import Decimal

import pytest
from opensearchpy import exceptions as opensearch_exceptions
from pydantic import ValidationError
from requests_aws4auth import AWS4Auth

from shop.adapters import clients
from shop.adapters import search_index as search_index_module
from shop.adapters.products_table import product_of_attributes
from shop.errors import SearchUnavailable
from shop.settings import SearchSettings, search_settings


@pytest.fixture
def search_env(monkeypatch):
    def configure(**variables: str) -> None:
        for name in ("OPENSEARCH_ENDPOINT", "OPENSEARCH_AUTH", "AWS_REGION", "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        search_settings.cache_clear()
        clients.opensearch_client.cache_clear()

    yield configure
    search_settings.cache_clear()
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
        SearchSettings()


class RaisingClient:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def search(self, **_: object) -> dict:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        opensearch_exceptions.ConnectionError("N/A", "connection refused", None),
        opensearch_exceptions.ConnectionTimeout("TIMEOUT", "timed out", None),
        opensearch_exceptions.NotFoundError(404, "index_not_found_exception", {}),
        opensearch_exceptions.AuthorizationException(403, "security_exception", {}),
        opensearch_exceptions.TransportError(429, "too_many_requests", {}),
        opensearch_exceptions.TransportError(500, "internal_server_error", {}),
    ],
    ids=["refused", "timeout", "no-index", "forbidden", "throttled", "server-error"],
)
def test_given_opensearch_failing_when_searching_then_search_unavailable_never_an_unhandled_error(monkeypatch, error):
    monkeypatch.setattr(search_index_module, "opensearch_client", lambda: RaisingClient(error))

    with pytest.raises(SearchUnavailable):
        search_index_module.SearchIndex().search({"query": {"match_all": {}}})


@pytest.mark.parametrize("value", [Decimal("9.99"), Decimal("1.5")])
def test_given_a_fractional_number_in_an_item_when_read_then_malformed_not_truncated(value):
    attributes = {
        "id": "0b4c7a1e-3f6d-4a5b-9c8d-112233445566",
        "name": "Lamp",
        "category": "lighting",
        "price_cents": value,
        "currency": "USD",
        "stock": Decimal(1),
        "created_at": "2026-11-27T12:00:00Z",
        "updated_at": "2026-11-27T12:00:00Z",
        "version": Decimal(1),
    }
    with pytest.raises(ValueError, match="whole number"):
        product_of_attributes(attributes)
    assert product_of_attributes({**attributes, "price_cents": Decimal("999")}).price_cents == 999
