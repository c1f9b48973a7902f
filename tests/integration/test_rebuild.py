"""Rebuilding and reconciling the index from the table (moto) while searches go on (osmem)."""

import threading

from shop.common.clients import opensearch_client
from shop.search.indexing.service import compare_with_table, rebuild_index, reconcile_all, reconcile_products
from shop.search.models import ALIAS, IndexProduct, SearchRequest
from shop.search.query.opensearch import OpenSearchQuery, build_search_body


def test_given_searches_running_when_rebuilding_then_every_search_answers_with_all_products(
    search_index, catalog_table, make_product, monkeypatch
):
    products = [make_product(f"Lamp {i}", price_cents=100 * i) for i in range(60)]
    for product in products:
        catalog_table.put_new(product)
    search_index.write([IndexProduct(product) for product in products])
    search_index.refresh()

    totals: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    started = threading.Event()

    def search_continuously() -> None:
        while not stop.is_set():
            try:
                totals.append(OpenSearchQuery().send(body)["hits"]["total"]["value"])
            except BaseException as error:
                errors.append(error)
            started.set()

    # Besides the searching thread, a search at each step where the alias or indices change.
    probes: list[tuple[str, int]] = []

    def probed(step):
        real = getattr(search_index, step)

        def run(*args, **kwargs):
            probes.append((f"before {step}", OpenSearchQuery().send(body)["hits"]["total"]["value"]))
            result = real(*args, **kwargs)
            probes.append((f"after {step}", OpenSearchQuery().send(body)["hits"]["total"]["value"]))
            return result

        monkeypatch.setattr(search_index, step, run)

    body = build_search_body(SearchRequest(q="lamp"), 5, None)
    for step in ("create_index", "swap_alias"):
        probed(step)

    searcher = threading.Thread(target=search_continuously)
    searcher.start()
    try:
        assert started.wait(10)
        report = rebuild_index(catalog_table, search_index)
        searches_during_rebuild = len(totals)
    finally:
        stop.set()
        searcher.join(10)

    assert errors == []
    assert searches_during_rebuild >= 1
    assert set(totals) == {60}
    assert [step for step, _ in probes] == [
        f"{when} {step}" for step in ("create_index", "swap_alias") for when in ("before", "after")
    ]
    assert {total for _, total in probes} == {60}
    assert (report.index, report.previous) == ("products-v2", "products-v1")
    assert report.copied.indexed == 60 and report.copied.failed == {}
    client = opensearch_client()
    assert set(client.indices.get_alias(name=ALIAS)) == {"products-v2"}
    # The index just left stays for searches still running on it, and for a rollback.
    assert client.indices.exists(index="products-v1")
    assert compare_with_table(catalog_table, search_index).in_sync


def test_given_drifted_index_when_reconciling_from_the_table_then_equal_to_it(
    search_index, catalog_table, make_product
):
    products = [make_product(f"Lamp {i}") for i in range(12)]
    for product in products:
        catalog_table.put_new(product)
    stale = catalog_table.update(products[0].id, {"name": "Renamed"}, None, products[0].updated_at)
    search_index.write([IndexProduct(p) for p in products[1:6]])
    orphan = make_product("Gone")
    search_index.write([IndexProduct(products[0]), IndexProduct(orphan)])
    search_index.refresh()
    drift = compare_with_table(catalog_table, search_index)
    assert (drift.missing, drift.extra, drift.stale) == (
        sorted(p.id for p in products[6:]),
        [orphan.id],
        [stale.id],
    )

    report = reconcile_all(catalog_table, search_index)
    search_index.refresh()

    assert report.failed == {} and report.deleted == 1
    assert compare_with_table(catalog_table, search_index).in_sync


def test_given_dead_lettered_ids_when_reconciling_them_then_their_documents_follow_the_table(
    search_index, catalog_table, make_product
):
    kept, deleted = make_product("Kept"), make_product("Deleted")
    catalog_table.put_new(kept)
    search_index.write([IndexProduct(deleted)])

    report = reconcile_products([kept.id, deleted.id], catalog_table, search_index)
    search_index.refresh()

    assert (report.indexed, report.deleted, report.failed) == (1, 1, {})
    assert dict(search_index.document_versions()) == {kept.id: 1}
