"""shop.common.observability's business counts (checkout's order metrics: tests/unit/commerce)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop.common import observability

REPO_ROOT = Path(__file__).resolve().parents[3]


def emf_documents(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{") and '"_aws"' in line]


@pytest.fixture(autouse=True)
def no_metrics_left_over():
    observability.metrics.clear_metrics()
    yield
    observability.metrics.clear_metrics()


# Counts


def test_given_plain_count_then_it_waits_for_the_handler_flush_with_the_service_dimension_only(capsys):
    observability.count("ProductsCreated")
    observability.count("ProductsCreated")
    assert emf_documents(capsys.readouterr().out) == []
    observability.metrics.flush_metrics()
    [document] = emf_documents(capsys.readouterr().out)
    assert document["ProductsCreated"] == [1.0, 1.0]
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ShopTests" and directive["Dimensions"] == [["service"]]
    assert directive["Metrics"] == [{"Name": "ProductsCreated", "Unit": "Count"}]


def test_given_count_with_a_dimension_then_published_at_once_apart_from_the_other_metrics(capsys):
    observability.count("OrdersCancelled")
    observability.count("OrderStatusChanged", status="SHIPPED")
    [document] = emf_documents(capsys.readouterr().out)
    assert document["OrderStatusChanged"] == [1.0] and document["status"] == "SHIPPED"
    assert document["service"] == "shop-tests" and "OrdersCancelled" not in document
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ShopTests" and sorted(directive["Dimensions"][0]) == ["service", "status"]
    observability.metrics.flush_metrics()
    [rest] = emf_documents(capsys.readouterr().out)
    assert rest["OrdersCancelled"] == [1.0] and "status" not in rest


def _namespace_with(environment: dict[str, str]) -> str:
    code = "from shop.common.observability import NAMESPACE; print(NAMESPACE)"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO_ROOT / "layers" / "shared"), **environment}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_given_namespace_in_environment_then_used_and_without_one_the_shop_default():
    assert _namespace_with({"POWERTOOLS_METRICS_NAMESPACE": "ShopStaging"}) == "ShopStaging"
    assert _namespace_with({}) == "Shop"
