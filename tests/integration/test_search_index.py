"""The index itself against osmem: definition, analysis, strict mapping, versioned bulk writes."""

import uuid

import pytest

from shop.common.clients import opensearch_client
from shop.search import index as search_index_module
from shop.search.index import SearchIndex
from shop.search.models import ALIAS, DeleteProduct, IndexProduct, index_name


def stored(product_id: str) -> dict | None:
    response = opensearch_client().get(index=ALIAS, id=product_id, ignore=404)
    return response["_source"] if response.get("found") else None


def block_writes(blocked: bool) -> None:
    opensearch_client().indices.put_settings(index=index_name(1), body={"index": {"blocks": {"write": blocked}}})


def test_given_ensured_index_when_ensured_again_then_same_index_behind_the_alias(search_index):
    assert search_index.ensure() == "products-v1"
    client = opensearch_client()
    assert set(client.indices.get_alias(name=ALIAS)) == {"products-v1"}
    assert search_index.indices() == ["products-v1"]
    mapping = client.indices.get_mapping(index="products-v1")["products-v1"]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["brand"]["type"] == "keyword"


def test_given_index_created_by_another_container_without_alias_when_ensured_then_alias_added(osmem_url, search_index):
    client = opensearch_client()
    client.indices.delete(index="products-v1")
    client.indices.create(index="products-v1", body=search_index_module.INDEX_BODY)
    assert not client.indices.exists_alias(name=ALIAS)
    assert SearchIndex().ensure() == "products-v1"
    assert set(client.indices.get_alias(name=ALIAS)) == {"products-v1"}


def test_given_product_text_analyzer_when_analysing_then_possessive_dropped_and_words_stemmed(search_index):
    tokens = opensearch_client().indices.analyze(
        index=ALIAS, body={"analyzer": "product_text", "text": "Chef's Knives"}
    )["tokens"]
    words = [token["token"] for token in tokens]
    assert words[0] == "chef"
    assert len(words) == 2 and words[1].startswith("knive") and words[1] != "knives"


def test_given_documents_when_searching_for_a_word_none_has_then_no_hits(search_index, put, make_product, find):
    # Guards against an analyzer the emulator mishandles: then every query matches every document.
    put(make_product("Chef's Knife Set"), make_product("Garden Hose", category="garden"))
    assert find("zeppelin").total == 0
    assert find("chef").total == 1


def test_given_unknown_field_when_written_then_that_item_fails_and_others_are_written(
    search_index, make_product, monkeypatch
):
    bad, good = make_product("Bad"), make_product("Good")
    real = search_index_module.document_of

    def with_stray_field(product):
        document = real(product)
        if product.id == bad.id:
            document["colour"] = "red"
        return document

    monkeypatch.setattr(search_index_module, "document_of", with_stray_field)
    outcomes = search_index.write([IndexProduct(bad), IndexProduct(good)])

    assert not outcomes[0].ok and outcomes[0].status == 400
    assert "strict" in outcomes[0].reason
    assert outcomes[1].ok
    assert stored(bad.id) is None and stored(good.id) is not None


def test_given_newer_version_when_an_older_update_arrives_then_ignored_as_done(search_index, make_product):
    product = make_product("Lamp", version=3)
    assert search_index.write([IndexProduct(product)])[0].ok
    [outcome] = search_index.write([IndexProduct(product.model_copy(update={"version": 2, "name": "Old"}))])
    assert outcome.ok and outcome.status == 409
    assert stored(product.id)["name"] == "Lamp"


def test_given_deleted_document_when_an_older_update_arrives_then_it_stays_deleted(search_index, make_product):
    product = make_product("Lamp", version=2)
    search_index.write([IndexProduct(product)])
    assert search_index.write([DeleteProduct(product.id, 3)])[0].ok
    [late] = search_index.write([IndexProduct(product)])
    assert late.ok and late.status == 409
    assert stored(product.id) is None


def test_given_a_batch_when_replayed_then_outcomes_ok_and_documents_unchanged(search_index, make_product):
    first, second = make_product("One"), make_product("Two", version=4)
    batch = [
        IndexProduct(first),
        IndexProduct(second),
        IndexProduct(second.model_copy(update={"version": 5, "name": "Two v5"})),
        DeleteProduct(first.id, 2),
    ]
    assert all(outcome.ok for outcome in search_index.write(batch))
    assert all(outcome.ok for outcome in search_index.write(batch))
    assert stored(first.id) is None
    assert stored(second.id)["name"] == "Two v5" and stored(second.id)["version"] == 5


def test_given_missing_document_when_deleted_then_ok(search_index):
    [outcome] = search_index.write([DeleteProduct(str(uuid.uuid4()), 2)])
    assert outcome.ok and outcome.status == 404


def test_given_alias_removed_after_the_container_ensured_it_when_indexing_then_no_index_is_guessed(
    search_index, make_product
):
    search_index.ensure_once()
    opensearch_client().indices.delete(index=index_name(1))

    [outcome] = search_index.write([IndexProduct(make_product("Lamp"))])

    assert not outcome.ok
    assert not opensearch_client().indices.exists(index=ALIAS)


def test_given_no_index_yet_when_indexing_then_the_mapped_index_is_created_first(opensearch_env, make_product):
    [outcome] = SearchIndex().write([IndexProduct(make_product("Lamp"))])

    assert outcome.ok
    assert set(opensearch_client().indices.get_alias(name=ALIAS)) == {index_name(1)}
    mapping = opensearch_client().indices.get_mapping(index=index_name(1))[index_name(1)]["mappings"]
    assert mapping["dynamic"] == "strict"


def test_given_1000_actions_when_written_then_one_bulk_request(search_index, make_product, monkeypatch):
    transport = opensearch_client().transport
    real = transport.perform_request
    calls: list[str] = []

    def counting(method, url, *args, **kwargs):
        calls.append(url)
        return real(method, url, *args, **kwargs)

    monkeypatch.setattr(transport, "perform_request", counting)
    products = [make_product(f"Product {i}", description="words " * 20) for i in range(1000)]
    outcomes = search_index.write([IndexProduct(product) for product in products])

    assert len(outcomes) == 1000 and all(outcome.ok for outcome in outcomes)
    assert [url for url in calls if "_bulk" in url] == calls and len(calls) == 1
    search_index.refresh()
    assert opensearch_client().count(index=ALIAS)["count"] == 1000


def test_given_write_block_when_writing_then_every_item_fails_with_a_reason_and_succeeds_once_unblocked(
    search_index, make_product
):
    products = [make_product(f"Lamp {i}") for i in range(3)]
    existing = make_product("Existing")
    search_index.write([IndexProduct(existing)])
    actions = [*(IndexProduct(p) for p in products), DeleteProduct(existing.id, 2)]

    block_writes(True)
    try:
        blocked = search_index.write(actions)
    finally:
        block_writes(False)

    assert len(blocked) == 4
    assert all(not outcome.ok and outcome.status == 403 and "block" in outcome.reason for outcome in blocked)
    assert stored(existing.id) is not None and stored(products[0].id) is None
    assert all(outcome.ok for outcome in search_index.write(actions))
    assert stored(existing.id) is None and all(stored(p.id) is not None for p in products)


def test_given_unreachable_server_when_writing_then_every_item_unwritten_not_raised(
    search_index, make_product, monkeypatch
):
    from shop.common import clients
    from shop.common.settings import opensearch_settings

    monkeypatch.setenv("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9")
    opensearch_settings.cache_clear()
    clients.opensearch_client.cache_clear()
    outcomes = search_index.write([IndexProduct(make_product("Lamp")), DeleteProduct(str(uuid.uuid4()), 2)])
    assert [outcome.status for outcome in outcomes] == ["unreachable", "unreachable"]
    assert not any(outcome.ok for outcome in outcomes)


@pytest.mark.parametrize("page_size", [2, 1000])
def test_given_documents_when_listing_versions_then_every_one_once_in_id_order(
    search_index, put, make_product, page_size
):
    products = put(*(make_product(f"P{i}", version=i + 1) for i in range(7)))
    listed = list(search_index.document_versions(page_size=page_size))
    assert listed == sorted((p.id, p.version) for p in products)
    assert search_index.versions_of([products[0].id, str(uuid.uuid4())]) == {products[0].id: 1}
