"""SearchAdminFunction, driven by events/search_admin_*.json: moto's DynamoDB, osmem-server for the index, the
security plugin double for `_plugins/_security` (osmem has none), and a local server as CloudFormation's
response URL."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import opensearchpy
import pytest

from devstack.common import free_port
from shop.catalog.dynamodb import ProductsTable
from shop.catalog.models import Product
from shop.common.clients import opensearch_client
from shop.search.models import ALIAS
from tests.doubles.search_admin import SecurityPluginDouble, connection_class, response_url
from tests.handlers.conftest import TABLE_NAME, LambdaContext, event, load_function
from tests.handlers.search.conftest import clear_search_caches

INDEXER_ARN = "arn:aws:iam::123456789012:role/shop-dev-IndexerFunctionRole-1A2B3C4D5E6F"
SEARCH_ARN = "arn:aws:iam::123456789012:role/shop-dev-SearchFunctionRole-6F5E4D3C2B1A"
ADMIN_ARN = "arn:aws:iam::123456789012:role/shop-dev-SearchAdminFunctionRole-0A1B2C3D4E5F"


@dataclass
class AdminContext(LambdaContext):
    """The admin function runs for up to 15 minutes."""

    remaining_millis: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@pytest.fixture
def plugin(monkeypatch) -> SecurityPluginDouble:
    double = SecurityPluginDouble()
    monkeypatch.setattr(opensearchpy, "RequestsHttpConnection", connection_class(double))
    return double


@pytest.fixture
def opensearch(plugin, opensearch):
    """The search package's osmem, with the security plugin double answering `_plugins/_security`."""
    return opensearch


@pytest.fixture
def admin(opensearch):
    return load_function("search_admin")


@pytest.fixture
def context() -> AdminContext:
    return AdminContext()


def cfn(name: str, url: str) -> dict:
    return event(f"search_admin_{name}", ResponseURL=url)


def add_products(count: int) -> list[Product]:
    table = ProductsTable(TABLE_NAME)
    products = []
    for n in range(count):
        at = datetime(2026, 11, 27, 12, n, tzinfo=UTC)
        product = Product.model_validate(
            {
                "id": str(uuid.uuid4()),
                "name": f"Lamp {n}",
                "category": "lighting",
                "price_cents": 1000 + n,
                "currency": "USD",
                "stock": 3,
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }
        )
        table.put_new(product)
        products.append(product)
    return products


def alias_target() -> str | None:
    client = opensearch_client()
    if not client.indices.exists_alias(name=ALIAS):
        return None
    return next(iter(client.indices.get_alias(name=ALIAS)))


def emitted_metrics(capsys) -> dict[str, float]:
    """The CloudWatch embedded-metric documents Powertools printed, merged."""
    values: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for definition in document["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                value = document[metric["Name"]]
                values[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return values


# --- Custom resource ---


def test_given_create_when_invoked_then_mappings_applied_index_ensured_and_success_put(admin, plugin, context):
    with response_url() as url:
        result = admin.lambda_handler(cfn("create", url.url), context)

    assert result["ok"] is True and result["status"] == "SUCCESS"
    answer = url.only.body
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == "SearchSecurityConfiguration"
    assert answer["Data"]["Index"] == "products-v1"
    assert {name: mapping["backend_roles"] for name, mapping in plugin.mappings.items()} == {
        "shop_indexer": [INDEXER_ARN],
        "shop_search": [SEARCH_ARN],
        "all_access": [ADMIN_ARN],
    }
    assert set(plugin.roles) == {"shop_indexer", "shop_search"}
    assert alias_target() == "products-v1"


def test_given_update_when_invoked_then_the_operator_role_joins_all_access(admin, plugin, context):
    with response_url() as url:
        admin.lambda_handler(cfn("create", url.url), context)
        result = admin.lambda_handler(cfn("update", url.url), context)

    assert result["status"] == "SUCCESS"
    assert [answer.body["Status"] for answer in url.answers] == ["SUCCESS", "SUCCESS"]
    assert plugin.mappings["all_access"]["backend_roles"] == [
        ADMIN_ARN,
        "arn:aws:iam::123456789012:role/search-operator",
    ]


def test_given_delete_when_invoked_then_success_and_nothing_touched(admin, plugin, context):
    with response_url() as url:
        result = admin.lambda_handler(cfn("delete", url.url), context)

    assert result["status"] == "SUCCESS" and url.only.body["Status"] == "SUCCESS"
    assert plugin.requests == []
    assert alias_target() is None


def test_given_a_domain_refusing_the_function_when_created_then_failed_with_the_reason(admin, plugin, context):
    plugin.forbidden = True

    with response_url() as url:
        result = admin.lambda_handler(cfn("create", url.url), context)

    assert result["ok"] is False and result["status"] == "FAILED"
    assert url.only.body["Status"] == "FAILED"
    assert "SecurityApiError: PUT roles/shop_indexer: 403" in url.only.body["Reason"]
    assert alias_target() is None


def test_given_a_function_without_its_settings_when_created_then_failed_naming_the_variable(
    table, plugin, monkeypatch, context
):
    monkeypatch.delenv("OPENSEARCH_ENDPOINT", raising=False)
    clear_search_caches()
    admin = load_function("search_admin")  # the cold start itself must not fail

    with response_url() as url:
        result = admin.lambda_handler(cfn("create", url.url), context)

    assert result["status"] == "FAILED"
    assert url.only.body["Reason"] == "the admin function is misconfigured: OPENSEARCH_ENDPOINT: Field required"
    assert plugin.requests == []
    clear_search_caches()


def test_given_a_misconfigured_function_when_an_operator_invokes_it_then_a_clear_error(
    table, plugin, monkeypatch, context
):
    monkeypatch.delenv("OPENSEARCH_ENDPOINT", raising=False)
    clear_search_caches()
    admin = load_function("search_admin")

    result = admin.lambda_handler(event("search_admin_check"), context)

    assert result["ok"] is False and result["error"] == "misconfigured"
    assert "OPENSEARCH_ENDPOINT" in result["message"]
    clear_search_caches()


def test_given_a_response_url_refusing_the_answer_when_invoked_then_reported_not_raised(admin, context):
    with response_url(statuses=[403]) as url:
        result = admin.lambda_handler(cfn("delete", url.url), context)

    assert len(url.answers) == 1
    assert result == {"ok": False, "status": "SUCCESS", "reason": "nothing to delete"}


# --- Operator actions ---


def test_given_no_index_when_ensure_invoked_then_created(admin, context):
    result = admin.lambda_handler(event("search_admin_ensure"), context)

    assert result == {"ok": True, "action": "ensure", "alias": "products", "index": "products-v1"}
    assert alias_target() == "products-v1"


def test_given_a_catalog_when_reindexed_then_summary_and_metric_and_the_index_checks_in_sync(admin, context, capsys):
    add_products(12)
    admin.lambda_handler(event("search_admin_ensure"), context)
    capsys.readouterr()

    result = admin.lambda_handler(event("search_admin_reindex"), context)

    assert result["ok"] is True and result["index"] == "products-v2" and result["previous"] == "products-v1"
    assert result["copied"]["indexed"] == 12
    assert emitted_metrics(capsys)["ProductsReindexed"] == 12
    check = admin.lambda_handler(event("search_admin_check"), context)
    assert check["ok"] is True and check["table_count"] == check["index_count"] == 12


def test_given_an_index_behind_the_table_when_checked_then_the_differences_and_a_mismatch_metric(
    admin, context, capsys
):
    products = add_products(3)
    admin.lambda_handler(event("search_admin_ensure"), context)
    capsys.readouterr()

    result = admin.lambda_handler(event("search_admin_check"), context)

    assert result["ok"] is False and result["in_sync"] is False
    assert result["missing"] == {"count": 3, "ids": sorted(p.id for p in products), "truncated": False}
    assert emitted_metrics(capsys)["IndexMismatches"] == 3


def test_given_drift_when_reconciled_then_in_sync(admin, context, capsys):
    add_products(4)
    admin.lambda_handler(event("search_admin_ensure"), context)
    capsys.readouterr()

    result = admin.lambda_handler(event("search_admin_reconcile_all"), context)

    assert result["ok"] is True and result["indexed"] == 4 and result["scope"] == "all"
    assert emitted_metrics(capsys)["ProductsReconciled"] == 4
    assert admin.lambda_handler(event("search_admin_check"), context)["ok"] is True


def test_given_ids_when_reconciled_then_only_those(admin, context):
    wanted, other = add_products(2)
    admin.lambda_handler(event("search_admin_ensure"), context)

    result = admin.lambda_handler(event("search_admin_reconcile_ids", ids=[wanted.id]), context)

    assert result["ok"] is True and result["scope"] == "ids" and result["indexed"] == 1
    check = admin.lambda_handler(event("search_admin_check"), context)
    assert check["missing"]["ids"] == [other.id]


def test_given_the_sample_ids_event_when_reconciled_then_an_unknown_product_is_nothing_to_do(admin, context):
    admin.lambda_handler(event("search_admin_ensure"), context)

    result = admin.lambda_handler(event("search_admin_reconcile_ids"), context)

    assert result["ok"] is True
    assert (result["indexed"], result["deleted"], result["unchanged"]) == (0, 0, 0)


@pytest.mark.parametrize(
    "bad",
    [{"action": "rebuild"}, {"action": "reconcile", "ids": "all"}, {"action": "reconcile", "ids": []}, {}],
)
def test_given_an_invalid_operator_event_when_invoked_then_a_clear_error_and_nothing_done(admin, context, bad):
    add_products(2)

    result = admin.lambda_handler(bad, context)

    assert result["ok"] is False and result["error"] == "invalid-request"
    assert result["message"].startswith("expected ")
    assert alias_target() is None


def test_given_the_function_near_its_timeout_when_reindexing_then_stopped_with_the_lambda_limit_explained(
    admin, context
):
    add_products(5)
    admin.lambda_handler(event("search_admin_ensure"), context)
    context.remaining_millis = 30_000  # under the 60 s margin

    result = admin.lambda_handler(event("search_admin_reindex"), context)

    assert result["ok"] is False and result["error"] == "deadline"
    assert "15 minutes" in result["message"] and "alias still points at products-v1" in result["message"]
    assert alias_target() == "products-v1"
    assert not opensearch_client().indices.exists(index="products-v2")


def test_given_the_domain_unreachable_when_checking_then_search_unavailable(table, plugin, monkeypatch, context):
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    clear_search_caches()
    admin = load_function("search_admin")

    result = admin.lambda_handler(event("search_admin_check"), context)

    assert result["ok"] is False and result["error"] == "search-unavailable"
    clear_search_caches()


def test_given_the_table_missing_when_checking_then_table_unavailable(admin, monkeypatch, context):
    admin.lambda_handler(event("search_admin_ensure"), context)
    monkeypatch.setenv("TABLE_NAME", "NoSuchTable")
    admin.table_settings.cache_clear()

    result = admin.lambda_handler(event("search_admin_check"), context)

    assert result["ok"] is False and result["error"] == "table-unavailable"
    assert "ResourceNotFoundException" in result["message"]
