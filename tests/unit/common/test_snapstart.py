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
