"""The indexer (stream batches) and search (GET /search) functions against osmem, in moto's account."""

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest

from scripts.make_events import PRODUCT_ID, product_image, stream_record
from shop.catalog.models import Product
from shop.common.clients import opensearch_client
from shop.search.index import SearchIndex
from shop.search.models import ALIAS, IndexProduct, WriteOutcome, index_name
from tests.handlers.conftest import assert_problem, body_of, event, load_function, values, with_query
from tests.handlers.search.conftest import clear_search_caches


@pytest.fixture
def indexer(opensearch):
    return load_function("index_products")


@pytest.fixture
def searcher(opensearch):
    return load_function("search_products")


def stored(product_id: str) -> dict | None:
    response = opensearch_client().get(index=ALIAS, id=product_id, ignore=404)
    return response["_source"] if response.get("found") else None


def records_of(product_id: str, first_sequence: int, *changes: tuple[str, int | None, int | None]) -> list[dict]:
    """Stream records for one product: (event name, new image version, old image version)."""
    records = []
    for offset, (name, new, old) in enumerate(changes):
        record = stream_record(
            first_sequence + offset,
            name,
            product_image(new, 1000 * new) if new else None,
            product_image(old, 1000 * old) if old else None,
        )
        records.append(json.loads(json.dumps(record).replace(PRODUCT_ID, product_id)))
    return records


def sequence_of(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def poison(record: dict) -> dict:
    """The record with its new image lacking a required field: no retry will ever index it."""
    spoiled = copy.deepcopy(record)
    del spoiled["dynamodb"]["NewImage"]["name"]
    return spoiled


# Indexer


def test_given_sample_stream_event_when_indexed_then_created_updated_and_deleted(indexer, context):
    response = indexer.lambda_handler(event("index_products"), context)
    assert response == {"batchItemFailures": []}
    assert stored(PRODUCT_ID) is None
    # The index was created on the way, behind its alias.
    assert set(opensearch_client().indices.get_alias(name=ALIAS)) == {"products-v1"}


def test_given_insert_and_modify_when_indexed_then_the_newest_version_is_stored(indexer, context):
    records = event("index_products")["Records"][:2]
    assert indexer.lambda_handler({"Records": records}, context) == {"batchItemFailures": []}
    document = stored(PRODUCT_ID)
    assert (document["version"], document["price_cents"], document["in_stock"]) == (2, 17999, True)


def test_given_batch_replayed_after_a_newer_write_when_indexed_then_newer_stays(indexer, context):
    records = event("index_products")["Records"]
    assert indexer.lambda_handler({"Records": records[:2]}, context) == {"batchItemFailures": []}
    assert indexer.lambda_handler({"Records": records[:1]}, context) == {"batchItemFailures": []}
    assert stored(PRODUCT_ID)["version"] == 2
    assert indexer.lambda_handler({"Records": records[2:]}, context) == {"batchItemFailures": []}
    assert indexer.lambda_handler({"Records": records[:2]}, context) == {"batchItemFailures": []}
    assert stored(PRODUCT_ID) is None


def test_given_one_poison_record_among_several_products_when_indexed_then_only_it_is_reported(indexer, context):
    ids = [str(uuid.uuid4()) for _ in range(4)]
    records = [
        *records_of(ids[0], 100, ("INSERT", 1, None), ("MODIFY", 2, 1)),
        *records_of(ids[1], 200, ("INSERT", 1, None)),
        poison(records_of(ids[2], 300, ("INSERT", 1, None))[0]),
        *records_of(ids[3], 400, ("INSERT", 1, None)),
    ]

    response = indexer.lambda_handler({"Records": records}, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": sequence_of(records[3])}]}
    assert stored(ids[0])["version"] == 2
    assert stored(ids[1]) is not None and stored(ids[3]) is not None
    assert stored(ids[2]) is None


def test_given_writes_blocked_when_indexed_then_every_record_is_reported(indexer, context):
    SearchIndex().ensure()
    records = [
        *records_of(str(uuid.uuid4()), 100, ("INSERT", 1, None), ("MODIFY", 2, 1)),
        *records_of(str(uuid.uuid4()), 200, ("INSERT", 1, None)),
        *records_of(str(uuid.uuid4()), 300, ("REMOVE", None, 3)),
    ]
    client = opensearch_client()
    client.indices.put_settings(index=index_name(1), body={"index": {"blocks": {"write": True}}})
    try:
        # Reported, not raised: a raise is a function error, which bisect would split into single records.
        response = indexer.lambda_handler({"Records": records}, context)
    finally:
        client.indices.put_settings(index=index_name(1), body={"index": {"blocks": {"write": False}}})
    assert response == {"batchItemFailures": [{"itemIdentifier": sequence_of(r)} for r in records]}

    assert indexer.lambda_handler({"Records": records}, context) == {"batchItemFailures": []}
    client.indices.refresh(index=ALIAS)
    assert client.count(index=ALIAS)["count"] == 2


def test_given_writes_blocked_for_part_of_a_batch_when_indexed_then_each_failed_record_is_reported(
    indexer, context, monkeypatch
):
    """The regression from the wild: failures must be the failed records, not the first len(failed)."""
    ids = [str(uuid.uuid4()) for _ in range(3)]
    records = [
        *records_of(ids[0], 100, ("INSERT", 1, None)),
        *records_of(ids[1], 200, ("INSERT", 1, None), ("MODIFY", 2, 1)),
        *records_of(ids[2], 300, ("INSERT", 1, None)),
    ]
    real_write = indexer.processor.index.write

    def refuse_second_product(actions, target=None):
        outcomes = real_write([a for a in actions if a.product_id != ids[1]], target)
        refused = iter(outcomes)
        from shop.search.models import WriteOutcome

        return [WriteOutcome(False, 429, "rejected") if a.product_id == ids[1] else next(refused) for a in actions]

    monkeypatch.setattr(indexer.processor.index, "write", refuse_second_product)
    response = indexer.lambda_handler({"Records": records}, context)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": sequence_of(records[1])}, {"itemIdentifier": sequence_of(records[2])}]
    }
    assert stored(ids[0]) is not None and stored(ids[2]) is not None and stored(ids[1]) is None


def test_given_only_poison_records_when_indexed_then_every_record_is_reported_failed(indexer, context):
    records = [poison(record) for record in records_of(str(uuid.uuid4()), 100, ("INSERT", 1, None))]
    records += records_of(str(uuid.uuid4()), 200, ("REMOVE", None, None))
    response = indexer.lambda_handler({"Records": records}, context)
    assert response == {"batchItemFailures": [{"itemIdentifier": sequence_of(r)} for r in records]}


def test_given_opensearch_unreachable_when_indexing_then_every_record_is_reported_for_a_retry(
    table, monkeypatch, context
):
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    clear_search_caches()
    try:
        function = load_function("index_products")
        records = event("index_products")["Records"]
        # Never an empty batchItemFailures, which would check the records off.
        response = function.lambda_handler(event("index_products"), context)
        assert response == {"batchItemFailures": [{"itemIdentifier": sequence_of(r)} for r in records]}
    finally:
        clear_search_caches()


def test_given_many_records_when_indexed_then_one_bulk_request(indexer, context, monkeypatch):
    SearchIndex().ensure()
    transport = opensearch_client().transport
    real = transport.perform_request
    bulk_requests: list[str] = []

    def counting(method, url, *args, **kwargs):
        if "_bulk" in url:
            bulk_requests.append(url)
        return real(method, url, *args, **kwargs)

    monkeypatch.setattr(transport, "perform_request", counting)
    records = [r for i in range(200) for r in records_of(str(uuid.uuid4()), 1000 + 10 * i, ("INSERT", 1, None))]
    assert indexer.lambda_handler({"Records": records}, context) == {"batchItemFailures": []}
    assert len(bulk_requests) == 1


# Search


def _index(*products: Product) -> None:
    index = SearchIndex()
    index.ensure()
    assert all(outcome.ok for outcome in index.write([IndexProduct(p) for p in products]))
    index.refresh()


def product(name: str, **fields: object) -> Product:
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "name": name,
        "category": "audio",
        "price_cents": 19999,
        "currency": "USD",
        "stock": 25,
        "created_at": at,
        "updated_at": at,
        "version": 1,
        **fields,
    }
    return Product.model_validate(values)


def test_given_sample_search_event_when_invoked_then_200_with_hits_total_facets_and_cursor(searcher, context):
    _index(
        product("Wavelength Pro Wireless Headphones", brand="Wavelength", description="Over-ear, 30 h battery."),
        product("Sonara Wireless Headphones", brand="Sonara", price_cents=9999),
        product("Sonara Wired Headphones", brand="Sonara", price_cents=4999),
        product("Wavelength Wireless Headphones Lite", brand="Wavelength", stock=0),
        product("Acme Wireless Headphones", brand="Acme"),
        product("Wavelength Wireless Headphones Max", brand="Wavelength", price_cents=30000),
    )
    response = searcher.lambda_handler(event("search_products"), context)

    assert response["statusCode"] == 200, response
    body = body_of(response)
    assert set(body) == {"items", "total", "facets", "next_cursor"}
    found = [item["name"] for item in body["items"]]
    assert set(found) == {"Wavelength Pro Wireless Headphones", "Sonara Wireless Headphones"}
    assert body["total"] == 2 and body["next_cursor"] is None
    assert body["items"][0]["highlight"]["name"]
    # The brand facet ignores the brand filter: Acme is counted though not asked for.
    assert {f["value"]: f["count"] for f in body["facets"]["brand"]} == {"Wavelength": 1, "Sonara": 1, "Acme": 1}
    assert {"from", "to", "count"} == set(body["facets"]["price"][0])
    # Nothing beyond the listed values; every hit of the brand facet has a brand.
    assert (body["facets"]["category_other_count"], body["facets"]["brand_other_count"]) == (0, 0)
    assert body["facets"]["brand_missing_count"] == 0


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "newest"])
def test_given_more_hits_than_limit_when_paging_then_cursor_leads_to_the_rest(searcher, context, sort):
    _index(*(product(f"Lamp {i}", category="lighting", description="lamp " * i) for i in range(5)))
    query = {"q": "lamp", "category": "lighting", "limit": "3", "sort": sort}
    first = body_of(searcher.lambda_handler(with_query(event("search_products"), query), context))
    assert len(first["items"]) == 3 and first["next_cursor"]
    second_response = searcher.lambda_handler(
        with_query(event("search_products"), {**query, "cursor": first["next_cursor"]}), context
    )
    second = body_of(second_response)
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    # The cursor belongs to its query.
    other = with_query(event("search_products"), {"category": "audio", "cursor": first["next_cursor"]})
    assert_problem(searcher.lambda_handler(other, context), 400)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"sort": "bogus"},
        {"min_price": "500", "max_price": "499"},
        {"min_price": "-1"},
        {"q": "x" * 10_240},
        {"in_stock": "maybe"},
        {"q": "无" * 81},
    ],
    ids=[
        "limit-0",
        "limit-101",
        "sort-bogus",
        "min-above-max",
        "negative-price",
        "q-10kB",
        "in-stock-bogus",
        "q-81-ideographs",
    ],
)
def test_given_bad_parameters_when_searching_then_422_problem(searcher, context, query):
    assert_problem(searcher.lambda_handler(with_query(event("search_products"), query), context), 422)


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "\\", '+-=&&||><!(){}[]^"~*?:\\/', "AND OR NOT", "🎧 日本語", "无线耳机无线耳机无线耳机无线耳机无"],
)
def test_given_hostile_text_when_searching_then_200(searcher, context, q):
    _index(product("Desk Lamp"))
    response = searcher.lambda_handler(with_query(event("search_products"), {"q": q}), context)
    assert response["statusCode"] == 200, response


def test_given_opensearch_unreachable_when_searching_then_503_problem(table, monkeypatch, context):
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    clear_search_caches()
    try:
        function = load_function("search_products")
        response = function.lambda_handler(event("search_products"), context)
    finally:
        clear_search_caches()
    assert_problem(response, 503)


def test_given_index_not_created_yet_when_searching_then_503_problem(searcher, context):
    assert_problem(searcher.lambda_handler(event("search_products"), context), 503)


# Business metrics


def test_given_batch_when_indexed_then_indexed_records_counted_and_zero_failures(indexer, context, published):
    records = event("index_products")["Records"]
    assert indexer.lambda_handler(event("index_products"), context) == {"batchItemFailures": []}
    metrics = published()
    assert values(metrics, "IndexedRecords") == [len(records)]
    # Zeros too, so that an alarm on failures always has data.
    assert values(metrics, "IndexFailures") == [0] and values(metrics, "PoisonRecords") == [0]


def test_given_poison_record_and_a_failed_write_when_indexed_then_each_counted_apart(
    indexer, context, monkeypatch, published
):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    records = [
        *records_of(ids[0], 100, ("INSERT", 1, None)),
        *records_of(ids[1], 200, ("INSERT", 1, None)),
        poison(records_of(ids[2], 300, ("INSERT", 1, None))[0]),
    ]
    real_write = indexer.processor.index.write

    def refuse_second_product(actions, target=None):
        refused = [action for action in actions if action.product_id == ids[1]]
        written = iter(real_write([action for action in actions if action not in refused], target))
        return [WriteOutcome(False, 429, "rejected") if action in refused else next(written) for action in actions]

    monkeypatch.setattr(indexer.processor.index, "write", refuse_second_product)
    response = indexer.lambda_handler({"Records": records}, context)
    assert len(response["batchItemFailures"]) == 2
    metrics = published()
    assert values(metrics, "IndexedRecords") == [1]
    assert values(metrics, "IndexFailures") == [2]  # every record reported back to the stream for a retry
    assert values(metrics, "PoisonRecords") == [1]  # of which this one no retry will ever index


def test_given_opensearch_unreachable_when_indexing_then_every_record_counted_as_failed(
    table, monkeypatch, context, published
):
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    clear_search_caches()
    try:
        function = load_function("index_products")
        function.lambda_handler(event("index_products"), context)
    finally:
        clear_search_caches()
    metrics = published()
    assert values(metrics, "IndexFailures") == [len(event("index_products")["Records"])]
    assert values(metrics, "IndexedRecords") == [0]


def test_given_query_when_searching_then_query_counted_and_zero_results_only_when_nothing_found(
    searcher, context, published
):
    _index(product("Desk Lamp"))
    for q, nothing_found in (("lamp", 0), ("teapot", 1)):
        response = searcher.lambda_handler(with_query(event("search_products"), {"q": q}), context)
        assert response["statusCode"] == 200, response
        metrics = published()
        assert values(metrics, "SearchQueries") == [1]
        assert values(metrics, "SearchZeroResults") == [nothing_found]


def test_given_next_page_when_searching_then_not_counted_as_another_query(searcher, context, published):
    _index(*(product(f"Lamp {i}", category="lighting") for i in range(3)))
    query = {"category": "lighting", "limit": "2"}
    first = body_of(searcher.lambda_handler(with_query(event("search_products"), query), context))
    published()
    response = searcher.lambda_handler(
        with_query(event("search_products"), {**query, "cursor": first["next_cursor"]}), context
    )
    assert response["statusCode"] == 200
    metrics = published()
    assert values(metrics, "SearchQueries") == [] and values(metrics, "SearchZeroResults") == []


def test_given_invalid_search_or_search_down_then_no_query_counted(searcher, context, published):
    assert_problem(searcher.lambda_handler(with_query(event("search_products"), {"limit": "0"}), context), 422)
    assert_problem(searcher.lambda_handler(event("search_products"), context), 503)  # no index yet
    metrics = published()
    assert values(metrics, "SearchQueries") == [] and values(metrics, "SearchZeroResults") == []
