import uuid
from decimal import Decimal

import pytest

from shop.catalog.models import Product
from shop.search import index as search_index_module
from shop.search.errors import InvalidCatalogRecord
from shop.search.index import SearchIndex
from shop.search.indexing.batch import write_action_of
from shop.search.indexing.service import (
    SCAN_SEGMENTS,
    RebuildAborted,
    compare_with_table,
    index_changes,
    rebuild_index,
    reconcile_all,
    reconcile_products,
)
from shop.search.models import DeleteProduct, IndexProduct, WriteOutcome
from tests.doubles.catalog import FakeCatalog, product, scan_segment_of
from tests.doubles.search import FakeSearchIndex

PRODUCT_ID = "0b4c7a1e-3f6d-4a5b-9c8d-112233445566"


def first_segment_product(**fields: object) -> Product:
    """A product FakeCatalog's scan reads in segment 0, whose snapshot precedes `during_scan`."""
    while True:
        candidate = product(**fields)
        if scan_segment_of(candidate.id, SCAN_SEGMENTS) == 0:
            return candidate


def image(version: int = 1, **fields: object) -> dict[str, object]:
    """A catalog item's attributes as Powertools deserialises a stream image: numbers are Decimals."""
    return {
        "pk": f"PRODUCT#{PRODUCT_ID}",
        "sk": "PRODUCT",
        "entity": "PRODUCT",
        "id": PRODUCT_ID,
        "name": "Kettle",
        "category": "kitchen",
        "price_cents": Decimal(2999),
        "currency": "USD",
        "stock": Decimal(4),
        "tags": ["steel"],
        "created_at": "2026-11-27T12:00:00.000000Z",
        "updated_at": "2026-11-27T12:00:00.000000Z",
        "version": Decimal(version),
        "gsi1pk": "PRODUCTS",
        "gsi1sk": f"2026-11-27T12:00:00.000000Z#{PRODUCT_ID}",
        **fields,
    }


KEYS = {"pk": f"PRODUCT#{PRODUCT_ID}", "sk": "PRODUCT"}


# write_action_of


@pytest.mark.parametrize("event_name", ["INSERT", "MODIFY"])
def test_given_insert_or_modify_when_mapped_then_index_the_new_image(event_name):
    action = write_action_of(event_name, KEYS, image(3, price_cents=Decimal(1999)), image(2))
    assert isinstance(action, IndexProduct)
    assert (action.product_id, action.version, action.product.price_cents) == (PRODUCT_ID, 3, 1999)
    assert action.product.tags == ["steel"]
    assert isinstance(action.product.price_cents, int)


def test_given_remove_when_mapped_then_delete_keyed_by_pk_one_version_above_old_image():
    action = write_action_of("REMOVE", KEYS, None, image(7))
    assert action == DeleteProduct(PRODUCT_ID, 8)


@pytest.mark.parametrize(
    ("event_name", "keys", "new", "old"),
    [
        ("INSERT", KEYS, None, None),
        ("MODIFY", KEYS, {}, image(1)),
        ("INSERT", KEYS, {k: v for k, v in image().items() if k != "name"}, None),
        ("INSERT", KEYS, image(price_cents="cheap"), None),
        ("INSERT", KEYS, image(version=Decimal(0)), None),
        ("REMOVE", KEYS, None, None),
        ("REMOVE", KEYS, None, {"pk": KEYS["pk"]}),
        ("REMOVE", {"pk": "ORDER#1", "sk": "ORDER"}, None, image(2)),
        ("REMOVE", {"sk": "PRODUCT"}, None, image(2)),
        # Another entity stored under the product's partition is not the product.
        ("REMOVE", {"pk": KEYS["pk"], "sk": "REVIEW#1"}, None, image(2)),
        ("INSERT", {"pk": "PRODUCT#1b4c7a1e-3f6d-4a5b-9c8d-112233445566", "sk": "PRODUCT"}, image(), None),
    ],
    ids=[
        "insert-without-image",
        "modify-empty-image",
        "missing-required-field",
        "malformed-number",
        "version-zero",
        "remove-without-old-image",
        "remove-old-image-without-version",
        "non-product-pk",
        "key-without-pk",
        "non-product-sk",
        "image-of-another-product",
    ],
)
def test_given_unusable_record_when_mapped_then_invalid_catalog_record(event_name, keys, new, old):
    with pytest.raises(InvalidCatalogRecord):
        write_action_of(event_name, keys, new, old)


# index_changes


class RecordingWriter(FakeSearchIndex):
    def __init__(self) -> None:
        super().__init__()
        self.with_index()


def test_given_several_records_of_one_product_when_indexed_then_one_write_of_the_newest_version():
    writer = RecordingWriter()
    v1, v2, v3 = (product(version=v, id=PRODUCT_ID, price_cents=100 * v) for v in (1, 2, 3))
    failures = index_changes([("r1", IndexProduct(v1)), ("r3", IndexProduct(v3)), ("r2", IndexProduct(v2))], writer)
    assert failures == {}
    assert len(writer.requests) == 1
    [(actions, _)] = writer.requests
    assert actions == [IndexProduct(v3)]
    assert writer.documents()[PRODUCT_ID].price_cents == 300


def test_given_update_then_remove_in_one_batch_when_indexed_then_the_delete_wins():
    writer = RecordingWriter()
    current = product(version=2, id=PRODUCT_ID)
    failures = index_changes([("r1", IndexProduct(current)), ("r2", DeleteProduct(PRODUCT_ID, 3))], writer)
    assert failures == {}
    assert writer.requests[0][0] == [DeleteProduct(PRODUCT_ID, 3)]
    assert PRODUCT_ID not in writer.documents()


def test_given_many_products_when_indexed_then_one_request_with_one_action_per_product():
    writer = RecordingWriter()
    products = [product() for _ in range(10)]
    changes = [(f"r{i}", IndexProduct(p)) for i, p in enumerate(products)]
    changes += [(f"again{i}", IndexProduct(p)) for i, p in enumerate(products)]
    assert index_changes(changes, writer) == {}
    assert len(writer.requests) == 1
    assert sorted(a.product_id for a in writer.requests[0][0]) == sorted(p.id for p in products)


def test_given_failed_bulk_items_when_indexed_then_exactly_their_records_are_reported():
    # The regression from the wild: marking records[:len(failed)] instead of the failed ones.
    writer = RecordingWriter()
    products = [product() for _ in range(6)]
    writer.fail = {products[3].id: "blocked", products[5].id: "blocked"}
    changes = [(f"seq-{i}", IndexProduct(p)) for i, p in enumerate(products)]
    changes.append(("seq-6", IndexProduct(products[3].model_copy(update={"version": 2}))))
    failures = index_changes(changes, writer)
    assert set(failures) == {"seq-3", "seq-5", "seq-6"}
    assert all("403" in reason and "blocked" in reason for reason in failures.values())
    assert set(writer.documents()) == {p.id for i, p in enumerate(products) if i not in (3, 5)}


def test_given_writer_outcomes_when_indexed_then_mapping_follows_action_order_not_record_order():
    """A writer whose outcomes come back in the order actions were sent: the second product fails."""

    class SecondFails:
        def write(self, actions, target=None):
            self.sent = actions
            return [WriteOutcome(i != 1, 200 if i != 1 else 429, "" if i != 1 else "busy") for i in range(len(actions))]

    writer = SecondFails()
    a, b = product(), product()
    failures = index_changes([("ra", IndexProduct(a)), ("rb1", IndexProduct(b)), ("rb2", IndexProduct(b))], writer)
    assert [action.product_id for action in writer.sent] == [a.id, b.id]
    assert failures == {"rb1": "429 busy", "rb2": "429 busy"}


# SearchIndex.write: bulk item outcomes


class BulkAnswering:
    """An OpenSearch client whose bulk call answers with the given items."""

    def __init__(self, items):
        from opensearchpy import Transport

        self.items = items
        self.requests = 0
        self.transport = Transport([{}])

    def bulk(self, *args, **kwargs):
        self.requests += 1
        return {"errors": True, "took": 1, "items": self.items}


def test_given_bulk_item_statuses_when_written_then_each_outcome_is_its_own(monkeypatch):
    missing_index = {"type": "index_not_found_exception", "reason": "no such index [products]"}
    client = BulkAnswering(
        [
            {"index": {"_id": "a", "status": 201}},
            {"index": {"_id": "b", "status": 409, "error": {"type": "version_conflict_engine_exception"}}},
            {"delete": {"_id": "c", "status": 404, "result": "not_found"}},
            # 404 for the index, not the document: nothing was deleted.
            {"delete": {"_id": "d", "status": 404, "error": missing_index}},
            {"index": {"_id": "e", "status": 429, "error": {"type": "rejected", "reason": "queue full"}}},
            {"delete": {"_id": "f", "status": 403, "error": {"type": "cluster_block_exception", "reason": "blocked"}}},
        ]
    )
    monkeypatch.setattr(search_index_module, "opensearch_client", lambda: client)
    monkeypatch.setattr(SearchIndex, "ensure_once", lambda self: None)
    actions = [
        IndexProduct(product(id="a")),
        IndexProduct(product(id="b")),
        DeleteProduct("c", 2),
        DeleteProduct("d", 2),
        IndexProduct(product(id="e")),
        DeleteProduct("f", 2),
    ]
    outcomes = SearchIndex().write(actions)
    assert [outcome.ok for outcome in outcomes] == [True, True, True, False, False, False]
    assert outcomes[3].reason == "index_not_found_exception: no such index [products]"
    assert outcomes[4] == WriteOutcome(False, 429, "rejected: queue full")
    assert client.requests == 1


def test_given_the_index_cannot_be_ensured_when_written_then_every_action_fails_and_nothing_raises(monkeypatch):
    from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError

    def unreachable(self):
        raise OpenSearchConnectionError("N/A", "connection refused", None)

    monkeypatch.setattr(SearchIndex, "ensure", unreachable)
    outcomes = SearchIndex().write([IndexProduct(product(id="a")), DeleteProduct("b", 2)])

    assert [(outcome.ok, outcome.status) for outcome in outcomes] == [(False, "unreachable")] * 2
    assert "connection refused" in outcomes[0].reason


# reconcile_products


@pytest.fixture
def table():
    return FakeCatalog()


@pytest.fixture
def index():
    return FakeSearchIndex().with_index("products-v1")


def test_given_stale_missing_and_deleted_products_when_reconciled_then_index_equals_table(table, index):
    stale = table.add(product(version=3, name="Fresh"))
    index.write([IndexProduct(stale.model_copy(update={"version": 2, "name": "Stale"}))])
    missing = table.add(product())
    gone = product(version=4)
    index.write([IndexProduct(gone)])
    untouched = product()
    index.write([IndexProduct(untouched)])

    report = reconcile_products([stale.id, missing.id, gone.id], table, index)

    assert (report.indexed, report.deleted, report.failed) == (2, 1, {})
    documents = index.documents()
    assert documents[stale.id].name == "Fresh" and missing.id in documents
    assert gone.id not in documents
    # Products not named are left alone.
    assert untouched.id in documents
    # The delete outranks the last version indexed: a late update cannot bring the product back.
    assert index.write([IndexProduct(gone)])[0].status == 409


def test_given_unknown_id_when_reconciled_then_nothing_written(table, index):
    report = reconcile_products([str(uuid.uuid4())], table, index)
    assert (report.indexed, report.deleted, report.failed) == (0, 0, {})
    assert index.documents() == {}


def test_given_failing_write_when_reconciled_then_failure_reported_by_product(table, index):
    broken = table.add(product())
    index.fail = {broken.id: "blocked"}
    report = reconcile_products([broken.id], table, index)
    assert report.failed == {broken.id: "403 blocked"} and report.indexed == 0


# reconcile_all


def test_given_drifted_index_when_reconciling_all_then_index_equals_table(table, index):
    products = [table.add(product(version=2)) for _ in range(20)]
    index.write([IndexProduct(p.model_copy(update={"version": 1, "name": "old"})) for p in products[:5]])
    orphans = [product() for _ in range(3)]
    index.write([IndexProduct(p) for p in orphans])
    progress: list[int] = []

    report = reconcile_all(table, index, progress=progress.append)

    assert report.indexed == 20 and report.deleted == 3 and report.failed == {}
    assert index.documents() == {p.id: p for p in products}
    assert sum(progress) == 20
    assert compare_with_table(table, index).in_sync


def test_given_product_created_after_the_scan_passed_it_when_reconciling_all_then_it_is_not_deleted(table, index):
    for _ in range(12):
        table.add(first_segment_product())
    late = first_segment_product()

    def create_late_product():
        # Created in the table and indexed by the stream while the scan is under way; the scan's
        # snapshot never sees it, so only the re-check against the table can keep it.
        table.add(late)
        index.write([IndexProduct(late)])

    table.during_scan = create_late_product
    report = reconcile_all(table, index)

    assert table.during_scan is None, "the catalog did not change during the scan"
    assert late.id in index.documents()
    assert report.deleted == 0
    assert compare_with_table(table, index).in_sync


def test_given_product_deleted_during_the_scan_when_reconciling_all_then_it_stays_deleted(table, index):
    doomed = table.add(first_segment_product())
    for _ in range(12):
        table.add(first_segment_product())
    index.write([IndexProduct(p) for p in table.products.values()])

    def delete_doomed():
        del table.products[doomed.id]
        index.write([DeleteProduct(doomed.id, doomed.version + 1)])

    table.during_scan = delete_doomed
    reconcile_all(table, index)

    assert table.during_scan is None, "the catalog did not change during the scan"
    assert doomed.id not in index.documents()
    assert compare_with_table(table, index).in_sync


# rebuild_index


def test_given_existing_index_when_rebuilt_then_next_version_filled_alias_swapped_previous_deleted(table, index):
    products = [table.add(product()) for _ in range(10)]
    index.write([IndexProduct(p) for p in products[:4]])

    report = rebuild_index(table, index)

    assert (report.index, report.previous) == ("products-v2", "products-v1")
    assert index.target_of_alias == "products-v2"
    assert index.indices() == ["products-v1", "products-v2"]
    assert index.documents() == {p.id: p for p in products}
    assert report.copied.indexed == 10 and report.copied.failed == {}


def test_given_rebuild_when_swapping_then_new_index_refreshed_first(table, index):
    table.add(product())
    index.log.clear()
    rebuild_index(table, index)
    # Searches reach the new index at the swap: everything copied must be searchable by then.
    assert [entry for entry in index.log if entry[1] == "products-v2"][:2] == [
        ("refresh", "products-v2"),
        ("swap", "products-v2"),
    ]


def test_given_rebuilds_then_the_index_just_left_is_kept_and_older_ones_dropped_after_the_swap(table, index):
    table.add(product())
    first = rebuild_index(table, index)
    assert (first.previous, first.dropped) == ("products-v1", [])
    assert index.indices() == ["products-v1", "products-v2"]

    index.log.clear()
    second = rebuild_index(table, index)

    assert (second.index, second.previous, second.dropped) == ("products-v3", "products-v2", ["products-v1"])
    assert index.indices() == ["products-v2", "products-v3"]
    assert index.log.index(("delete", "products-v1")) > index.log.index(("swap", "products-v3"))


def test_given_products_failing_to_copy_when_rebuilding_then_alias_and_old_index_untouched(table, index):
    products = [table.add(product()) for _ in range(6)]
    index.write([IndexProduct(p) for p in products])
    index.fail = {products[2].id: "mapper_parsing_exception"}

    with pytest.raises(RebuildAborted) as aborted:
        rebuild_index(table, index)

    assert aborted.value.copied.failed == {products[2].id: "403 mapper_parsing_exception"}
    assert index.target_of_alias == "products-v1" and index.indices() == ["products-v1"]
    assert index.documents() == {p.id: p for p in products}


def test_given_no_index_yet_when_rebuilt_then_first_version_created_behind_alias(table):
    index = FakeSearchIndex()
    table.add(product())
    report = rebuild_index(table, index)
    assert (report.index, report.previous) == ("products-v1", None)
    assert index.target_of_alias == "products-v1" and len(index.documents()) == 1


def test_given_versions_gap_when_rebuilt_then_above_the_highest_version(table):
    index = FakeSearchIndex().with_index("products-v9")
    index.create_index("products-v3")
    report = rebuild_index(table, index)
    assert report.index == "products-v10"


def test_given_writes_during_the_copy_when_rebuilt_then_catch_up_applies_them_to_the_new_index(table, index):
    # All in segment 0, read before the change: the copy holds the old state of each.
    products = [table.add(first_segment_product()) for _ in range(12)]
    index.write([IndexProduct(p) for p in products])
    changed = products[0].model_copy(update={"version": 2, "name": "Renamed"})
    deleted = products[1]
    created = first_segment_product(name="Brand new")

    def catalog_changes_while_copying():
        # The stream keeps writing through the alias, which still points at the old index.
        table.products[changed.id] = changed
        del table.products[deleted.id]
        table.add(created)
        index.write([IndexProduct(changed), DeleteProduct(deleted.id, 2), IndexProduct(created)])

    table.during_scan = catalog_changes_while_copying
    report = rebuild_index(table, index)

    assert table.during_scan is None, "the catalog did not change during the copy"
    documents = index.documents()
    assert documents[changed.id].name == "Renamed"
    assert deleted.id not in documents
    assert created.id in documents
    assert compare_with_table(table, index).in_sync
    assert report.caught_up.failed == {}


# compare_with_table


def test_given_drift_when_compared_then_missing_extra_and_stale_named(table, index):
    same = table.add(product())
    missing = table.add(product())
    stale = table.add(product(version=3))
    extra = product()
    index.write([IndexProduct(same), IndexProduct(stale.model_copy(update={"version": 2})), IndexProduct(extra)])

    drift = compare_with_table(table, index)

    assert (drift.table_count, drift.index_count) == (3, 3)
    assert (drift.missing, drift.extra, drift.stale) == ([missing.id], [extra.id], [stale.id])
    assert not drift.in_sync


def test_given_equal_index_when_compared_then_in_sync(table, index):
    products = [table.add(product()) for _ in range(5)]
    index.write([IndexProduct(p) for p in products])
    drift = compare_with_table(table, index)
    assert drift.in_sync and drift.table_count == drift.index_count == 5


# product_ids_in_range: which products a dead-lettered batch was about


class FakeStreams:
    """GetShardIterator/GetRecords over pages of (sequence, pk, sk); None is an empty page."""

    def __init__(self, pages, open_shard=True):
        self.pages = pages
        self.open_shard = open_shard
        self.calls = 0

        class Exceptions:
            TrimmedDataAccessException = type("TrimmedDataAccessException", (Exception,), {})
            ResourceNotFoundException = type("ResourceNotFoundException", (Exception,), {})

        self.exceptions = Exceptions

    def get_shard_iterator(self, **kwargs):
        return {"ShardIterator": "0"}

    def get_records(self, **request):
        self.calls += 1
        position = int(request["ShardIterator"])
        page = self.pages[position] if position < len(self.pages) else None
        records = [
            {"dynamodb": {"SequenceNumber": f"{seq:021d}", "Keys": {"pk": {"S": pk}, "sk": {"S": sk}}}}
            for seq, pk, sk in page or []
        ]
        more = position + 1 < len(self.pages) or self.open_shard
        return {"Records": records, **({"NextShardIterator": str(position + 1)} if more else {})}


def _pk(n: int) -> str:
    return f"PRODUCT#00000000-0000-4000-8000-{n:012d}"


def _streams(monkeypatch, streams):
    from shop.search.indexing import stream_range as catalog_stream

    monkeypatch.setattr(catalog_stream, "streams_client", lambda: streams)
    return catalog_stream


def test_given_empty_pages_inside_the_range_when_read_back_then_every_product_of_the_range(monkeypatch):
    streams = FakeStreams(
        [[(100, _pk(1), "PRODUCT")], None, None, [(200, _pk(2), "PRODUCT"), (250, "ORDER#9", "ORDER")], None]
    )
    catalog_stream = _streams(monkeypatch, streams)
    found = catalog_stream.product_ids_in_range("arn", "shard", f"{100:021d}", f"{250:021d}")
    assert found == {_pk(1).removeprefix("PRODUCT#"), _pk(2).removeprefix("PRODUCT#")}
    # It stops at the range's last record instead of reading on to the shard's tip.
    assert streams.calls == 4


def test_given_records_past_the_range_when_read_back_then_they_are_not_included(monkeypatch):
    streams = FakeStreams([[(100, _pk(1), "PRODUCT"), (300, _pk(3), "PRODUCT")]])
    catalog_stream = _streams(monkeypatch, streams)
    assert catalog_stream.product_ids_in_range("arn", "shard", f"{100:021d}", f"{200:021d}") == {
        _pk(1).removeprefix("PRODUCT#")
    }


def test_given_range_end_never_reached_when_read_back_then_range_expired_not_a_partial_answer(monkeypatch):
    streams = FakeStreams([[(100, _pk(1), "PRODUCT")]], open_shard=True)
    catalog_stream = _streams(monkeypatch, streams)
    with pytest.raises(catalog_stream.StreamRangeExpired):
        catalog_stream.product_ids_in_range("arn", "shard", f"{100:021d}", f"{200:021d}")


# malformed items in the table


def test_given_a_malformed_item_when_reconciling_all_then_it_is_reported_and_the_rest_indexed(table, index):
    products = [table.add(product()) for _ in range(5)]
    bad = table.add_malformed(str(uuid.uuid4()))
    # An older, valid version of it is indexed: the table is wrong now, the document is not deleted.
    index.write([IndexProduct(product(id=bad.id))])

    report = reconcile_all(table, index)

    assert report.malformed == {bad.id: bad.reason}
    assert report.failed == {} and report.indexed == 5 and report.deleted == 0
    assert set(index.documents()) == {p.id for p in products} | {bad.id}


def test_given_a_malformed_item_when_reconciling_its_id_then_reported_not_deleted(table, index):
    bad = table.add_malformed(str(uuid.uuid4()))
    index.write([IndexProduct(product(id=bad.id))])

    report = reconcile_products([bad.id], table, index)

    assert report.malformed == {bad.id: bad.reason} and report.deleted == 0
    assert bad.id in index.documents()


def test_given_a_malformed_item_when_rebuilding_then_the_rebuild_completes_and_reports_it(table, index):
    good = table.add(product())
    bad = table.add_malformed(str(uuid.uuid4()))

    report = rebuild_index(table, index)

    assert report.index == "products-v2" and index.target_of_alias == "products-v2"
    assert report.copied.malformed == {bad.id: bad.reason}
    assert set(index.documents()) == {good.id}
    assert compare_with_table(table, index).malformed == [bad.id]
    assert not compare_with_table(table, index).in_sync


def test_given_the_copy_crashes_when_rebuilding_then_the_new_index_is_dropped_and_the_alias_stays(table, index):
    for _ in range(20):  # enough for every scan segment to have a page
        table.add(product())

    def crash() -> None:
        raise RuntimeError("scan failed")

    table.during_scan = crash
    with pytest.raises(RuntimeError, match="scan failed"):
        rebuild_index(table, index)

    assert index.indices() == ["products-v1"]
    assert index.target_of_alias == "products-v1"


def test_given_an_index_already_equal_to_the_table_when_reconciling_all_then_everything_counts_as_unchanged(
    table, index
):
    products = [table.add(product()) for _ in range(4)]
    index.write([IndexProduct(p) for p in products])

    report = reconcile_all(table, index)

    assert (report.indexed, report.deleted, report.unchanged, report.failed) == (0, 0, 4, {})
