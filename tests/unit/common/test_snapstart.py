"""SnapStart's after-restore hook: each restored environment gets its own random state, clients and credentials."""

import random

import boto3
import snapshot_restore_py

from shop.catalog import wiring as catalog_wiring
from shop.common import clients, snapstart


def test_given_lambdas_runtime_library_when_the_package_is_imported_then_the_hook_is_registered() -> None:
    assert snapstart.registered is True
    assert snapstart.after_restore in [entry[0] for entry in snapshot_restore_py._after_restore_registry]


def test_given_the_snapshots_random_state_when_restored_then_the_sequence_differs() -> None:
    random.seed(1234)
    snapshot = random.getstate()
    from_snapshot = [random.random() for _ in range(4)]
    random.setstate(snapshot)

    snapstart.after_restore()

    assert [random.random() for _ in range(4)] != from_snapshot


def test_given_clients_made_before_the_snapshot_when_restored_then_new_clients_and_session(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", "ShopTable")
    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    client = clients.dynamodb_client()
    store = catalog_wiring.product_store()

    snapstart.after_restore()

    assert boto3.DEFAULT_SESSION is None
    assert clients.dynamodb_client() is not client
    assert catalog_wiring.product_store() is not store
    assert boto3.DEFAULT_SESSION is not session


def test_given_settings_read_before_the_snapshot_when_restored_then_read_again_in_every_context(monkeypatch) -> None:
    from shop.common import settings
    from shop.events import settings as event_settings

    monkeypatch.setenv("TABLE_NAME", "ShopTable")
    monkeypatch.setenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts")
    settings.table_settings.cache_clear()
    event_settings.alert_settings.cache_clear()
    table, alerts = settings.table_settings(), event_settings.alert_settings()
    assert settings.table_settings() is table and event_settings.alert_settings() is alerts

    snapstart.after_restore()

    try:
        assert settings.table_settings() is not table
        assert event_settings.alert_settings() is not alerts
    finally:
        snapstart.after_restore()  # nothing read under this test's environment outlives it
