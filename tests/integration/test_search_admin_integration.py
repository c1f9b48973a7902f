"""The runbooks through SearchAdminFunction's handler, against osmem-server and the template's table in moto:
what an operator's `--stack` invocation does, step by step, to a drifted index."""

from dataclasses import dataclass

import opensearchpy
import pytest

from shop.common import clients
from shop.common.clients import opensearch_client
from shop.common.settings import search_admin_settings, table_settings
from shop.search.administration.security import SearchSecurity, SecurityApiError
from shop.search.index import SearchIndex
from shop.search.models import ALIAS, IndexProduct
from tests.doubles.search_admin import SecurityPluginDouble, connection_class, response_url
from tests.handlers.conftest import LambdaContext, event, load_function
from tests.integration.conftest import CATALOG_TABLE


@dataclass
class AdminContext(LambdaContext):
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


@pytest.fixture
def context() -> AdminContext:
    return AdminContext()


@pytest.fixture
def admin(opensearch_env, catalog_table, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", CATALOG_TABLE)
    table_settings.cache_clear()
    search_admin_settings.cache_clear()
    yield load_function("search_admin")
    table_settings.cache_clear()
    search_admin_settings.cache_clear()


def invoke(admin, context, action: str, **fields) -> dict:
    return admin.lambda_handler({"action": action, **fields}, context)


def test_given_a_drifted_index_when_an_operator_checks_repairs_and_rebuilds_then_it_ends_equal_to_the_table(
    admin, context, catalog_table, make_product
):
    assert invoke(admin, context, "ensure")["index"] == "products-v1"
    products = [make_product(f"Desk lamp {n}") for n in range(8)]
    for product in products:
        catalog_table.put_new(product)
    index = SearchIndex()
    # Indexed: the first five, one of them at an older version; plus a product the table no longer has.
    stale = products[0]
    index.write([IndexProduct(stale.model_copy(update={"version": 0}))])
    index.write([IndexProduct(product) for product in products[1:5]])
    orphan = make_product("Discontinued lamp")
    index.write([IndexProduct(orphan)])
    index.refresh()

    check = invoke(admin, context, "check")
    assert check["ok"] is False
    assert check["missing"]["ids"] == sorted(p.id for p in products[5:])
    assert check["extra"]["ids"] == [orphan.id]
    assert check["stale"]["ids"] == [stale.id]

    # A few products by id first, as after a dead-lettered batch.
    fixed = invoke(admin, context, "reconcile", ids=[stale.id, orphan.id])
    assert fixed["ok"] is True and (fixed["indexed"], fixed["deleted"]) == (1, 1)
    index.refresh()
    remaining = invoke(admin, context, "check")
    assert (remaining["stale"]["count"], remaining["extra"]["count"], remaining["missing"]["count"]) == (0, 0, 3)

    everything = invoke(admin, context, "reconcile")
    assert everything["ok"] is True and everything["indexed"] == 3
    index.refresh()
    assert invoke(admin, context, "check")["ok"] is True

    rebuilt = invoke(admin, context, "reindex")
    assert rebuilt["ok"] is True
    assert (rebuilt["index"], rebuilt["previous"], rebuilt["copied"]["indexed"]) == ("products-v2", "products-v1", 8)
    assert set(opensearch_client().indices.get_alias(name=ALIAS)) == {"products-v2"}
    final = invoke(admin, context, "check")
    assert final["ok"] is True and final["table_count"] == final["index_count"] == 8


def test_given_two_reindexes_then_only_the_index_before_the_current_one_is_kept(
    admin, context, catalog_table, make_product
):
    catalog_table.put_new(make_product("Floor lamp"))
    invoke(admin, context, "ensure")

    invoke(admin, context, "reindex")
    second = invoke(admin, context, "reindex")

    assert (second["index"], second["previous"], second["dropped"]) == ("products-v3", "products-v2", ["products-v1"])
    assert sorted(opensearch_client().indices.get(index="products-v*")) == ["products-v2", "products-v3"]


def test_given_the_custom_resource_created_then_the_first_write_meets_the_strict_mapping_not_a_guessed_one(
    admin, context, make_product, monkeypatch
):
    plugin = SecurityPluginDouble()
    monkeypatch.setattr(opensearchpy, "RequestsHttpConnection", connection_class(plugin))
    clients.opensearch_client.cache_clear()
    create = event("search_admin_create")

    with response_url() as url:
        create["ResponseURL"] = url.url
        assert admin.lambda_handler(create, context)["status"] == "SUCCESS"

    mapping = opensearch_client().indices.get_mapping(index="products-v1")["products-v1"]["mappings"]
    assert mapping["dynamic"] == "strict"
    # The indexer writes through the alias only (require_alias): it now finds one.
    outcomes = SearchIndex().write([IndexProduct(make_product("Reading lamp"))])
    assert [outcome.ok for outcome in outcomes] == [True]
    assert {method for method, _, _ in plugin.requests} == {"PUT"}


def test_given_osmem_server_then_it_has_no_security_api_and_the_adapter_says_so(opensearch_env):
    # Why the custom resource's security calls are tested against a double: the local server has no plugin.
    with pytest.raises(SecurityApiError) as raised:
        SearchSecurity().put_role_mapping("all_access", ["arn:aws:iam::123456789012:role/x"])

    assert raised.value.status == 400
    assert "no handler found" in str(raised.value) and "fine-grained access control is off" in str(raised.value)
