from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from opensearchpy import exceptions as opensearch_exceptions

from shop.search.errors import SearchUnavailable
from shop.search.models import MAX_FACET_VALUES, SearchRequest
from shop.search.query import opensearch as query_adapter
from shop.search.query.opensearch import (
    PRICE_RANGES,
    SORTS,
    build_search_body,
    facets_of,
    hits_of,
    ranks_by_score,
    total_of,
)

HOSTILE = [
    'wireless "headphones',
    "\\",
    '+-=&&||><!(){}[]^"~*?:\\/',
    "AND OR NOT",
    "name:* OR _id:1",
    '{"match_all": {}}',
    "ünïcødé 日本語 🎧",
    "x" * 200,
]


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) of a JSON-like tree, keys included as values of their own."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, "<key>"), key
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from walk(value, (*path, position))


@pytest.mark.parametrize("q", HOSTILE)
def test_given_hostile_text_when_building_then_it_appears_only_as_multi_match_query(q):
    body = build_search_body(SearchRequest(q=q), 21, None)
    places = [path for path, value in walk(body) if isinstance(value, str) and q in value]
    assert places, "the text must be searched for"
    for path in places:
        assert path[-1] == "query" and path[-2] == "multi_match", path
    # Nothing parses query syntax anywhere in the body.
    keys = {value for path, value in walk(body) if path and path[-1] == "<key>"}
    assert not keys & {"query_string", "simple_query_string", "script", "wildcard", "regexp"}


def test_given_text_when_building_then_name_weighted_highest_and_typos_tolerated():
    body = build_search_body(SearchRequest(q="wireles headphnes"), 21, None)
    matches = [value for path, value in walk(body) if path and path[-1] == "multi_match"]
    assert matches
    fuzzy = [m for m in matches if m.get("fuzziness")]
    assert fuzzy, "no clause tolerates typos"

    def weight(field: str) -> float:
        return float(field.split("^")[1]) if "^" in field else 1.0

    for match in matches:
        name_weight = max(weight(f) for f in match["fields"] if f.startswith("name"))
        others = [weight(f) for f in match["fields"] if not f.startswith("name")]
        assert name_weight > max(others), match["fields"]
    searched = {f.split("^")[0].split(".")[0] for m in matches for f in m["fields"]}
    assert searched == {"name", "brand", "category", "tags", "description"}


def test_given_facet_filters_when_building_then_they_post_filter_and_each_facet_drops_only_its_own():
    request = SearchRequest(
        q="lamp", categories=("lighting",), brands=("Acme", "Lumo"), min_price_cents=100, max_price_cents=900
    )
    body = build_search_body(request, 21, None)
    category = {"terms": {"category": ["lighting"]}}
    brand = {"terms": {"brand": ["Acme", "Lumo"]}}
    price = {"range": {"price_cents": {"gte": 100, "lte": 900}}}

    assert body["post_filter"]["bool"]["filter"] == [category, brand, price]
    assert body["aggs"]["category"]["filter"]["bool"]["filter"] == [brand, price]
    assert body["aggs"]["brand"]["filter"]["bool"]["filter"] == [category, price]
    assert body["aggs"]["price"]["filter"]["bool"]["filter"] == [category, brand]
    # The facet filters do not narrow the query itself, or the facets could not count the others.
    query_text = repr(body["query"])
    assert "lighting" not in query_text and "Acme" not in query_text and "price_cents" not in query_text


def test_given_in_stock_when_building_then_it_filters_the_query_and_so_every_facet():
    body = build_search_body(SearchRequest(in_stock=True), 21, None)
    assert {"term": {"in_stock": True}} in body["query"]["bool"]["filter"]
    assert "in_stock" not in repr(body["post_filter"])


def test_given_only_min_price_when_building_then_open_ended_range():
    body = build_search_body(SearchRequest(min_price_cents=500), 21, None)
    assert body["post_filter"]["bool"]["filter"] == [{"range": {"price_cents": {"gte": 500}}}]


def test_given_no_filters_when_building_then_post_filter_and_facet_filters_match_all():
    body = build_search_body(SearchRequest(q="lamp"), 21, None)
    assert body["post_filter"] == {"bool": {"filter": []}}
    assert all(body["aggs"][facet]["filter"] == {"bool": {"filter": []}} for facet in ("category", "brand", "price"))


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("relevance", {"_score": "desc"}),
        ("price_asc", {"price_cents": "asc"}),
        ("price_desc", {"price_cents": "desc"}),
        ("newest", {"created_at": "desc"}),
    ],
)
def test_given_sort_when_building_then_sorted_by_it_with_an_id_tiebreaker(sort, first):
    body = build_search_body(SearchRequest(q="lamp", sort=sort), 21, None)
    assert body["sort"] == [first, {"id": "asc"}]


@pytest.mark.parametrize("q", ["", "   "])
def test_given_no_words_when_building_then_no_must_clause_and_newest_first(q):
    body = build_search_body(SearchRequest(q=q), 21, None)
    assert "must" not in body["query"]["bool"]
    assert body["sort"] == SORTS["newest"]


def test_given_no_words_and_explicit_sort_when_building_then_that_sort():
    assert build_search_body(SearchRequest(sort="price_asc"), 21, None)["sort"] == SORTS["price_asc"]


def test_given_search_after_when_building_then_passed_through_with_size_and_exact_total():
    body = build_search_body(SearchRequest(q="lamp"), 21, [1.5, "abc"])
    assert body["search_after"] == [1.5, "abc"]
    assert body["size"] == 21 and body["track_total_hits"] is True
    assert "from" not in body
    assert "search_after" not in build_search_body(SearchRequest(q="lamp"), 21, None)


def test_given_highlight_when_building_then_html_encoded():
    assert build_search_body(SearchRequest(q="lamp"), 21, None)["highlight"]["encoder"] == "html"


def test_given_price_ranges_when_building_then_buckets_cover_every_price_without_overlap():
    body = build_search_body(SearchRequest(), 21, None)
    ranges = body["aggs"]["price"]["aggs"]["values"]["range"]["ranges"]
    assert ranges[0] == {"to": PRICE_RANGES[0][1]} and ranges[-1] == {"from": PRICE_RANGES[-1][0]}
    for before, after in pairwise(ranges):
        assert before["to"] == after["from"]


RESPONSE = {
    "hits": {
        "total": {"value": 42, "relation": "eq"},
        "hits": [
            {
                "_id": "0b4c7a1e-3f6d-4a5b-9c8d-112233445566",
                "_source": {
                    "id": "0b4c7a1e-3f6d-4a5b-9c8d-112233445566",
                    "name": "Desk Lamp",
                    "description": "Warm light",
                    "category": "lighting",
                    "brand": "Lumo",
                    "price_cents": 4999,
                    "currency": "USD",
                    "stock": 0,
                    "in_stock": False,
                    "tags": ["desk"],
                    "created_at": "2026-11-27T12:00:00.000000Z",
                    "updated_at": "2026-11-27T12:00:00.000000Z",
                    "version": 3,
                },
                "highlight": {"name.plain": ["Desk <em>Lamp</em>"], "name": ["<em>Desk</em> Lamp"]},
                "sort": [2.5, "0b4c7a1e-3f6d-4a5b-9c8d-112233445566"],
            }
        ],
    },
    "aggregations": {
        "category": {
            "doc_count": 9,
            "values": {"buckets": [{"key": "lighting", "doc_count": 7}], "sum_other_doc_count": 2},
        },
        "brand": {"doc_count": 8, "values": {"buckets": [{"key": "Lumo", "doc_count": 3}], "sum_other_doc_count": 4}},
        "price": {"doc_count": 1, "values": {"buckets": [{"key": str(i), "doc_count": i} for i in range(6)]}},
    },
}


def test_given_response_when_read_then_hits_with_sort_values_total_and_facets():
    [match] = hits_of(RESPONSE)
    hit, sort = match.hit, match.position
    assert (hit.name, hit.version, hit.price_cents, sort) == ("Desk Lamp", 3, 4999, [2.5, hit.id])
    # A match on the unstemmed twin counts for its field, once.
    assert hit.highlight == {"name": ["Desk <em>Lamp</em>"]}
    assert total_of(RESPONSE) == 42
    facets = facets_of(RESPONSE["aggregations"])
    assert [(f.value, f.count) for f in facets.category] == [("lighting", 7)]
    assert [(f.value, f.count) for f in facets.brand] == [("Lumo", 3)]
    assert [(b.from_cents, b.to_cents, b.count) for b in facets.price] == [
        (low, high, count) for (low, high), count in zip(PRICE_RANGES, range(6), strict=True)
    ]
    assert facets.model_dump()["price"][0] == {"from": None, "to": 2500, "count": 0}
    # What the listed values leave out is counted: other values, and (brand) no value at all.
    assert (facets.category_other_count, facets.brand_other_count, facets.brand_missing_count) == (2, 4, 1)


def test_given_facets_when_building_then_each_lists_at_most_the_documented_number_of_values():
    aggs = build_search_body(SearchRequest(q="lamp"), 21, None)["aggs"]
    assert aggs["category"]["aggs"]["values"]["terms"]["size"] == MAX_FACET_VALUES
    assert aggs["brand"]["aggs"]["values"]["terms"]["size"] == MAX_FACET_VALUES


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (SearchRequest(q="lamp"), True),
        (SearchRequest(q="lamp", sort="price_asc"), False),
        (SearchRequest(q="lamp", sort="newest"), False),
        (SearchRequest(q=" "), False),
    ],
)
def test_given_sort_and_words_when_asked_then_only_relevance_with_words_ranks_by_score(request_, expected):
    assert ranks_by_score(request_) is expected


def test_given_offset_when_building_then_from_and_no_search_after():
    body = build_search_body(SearchRequest(q="lamp"), 21, None, offset=40)
    assert body["from"] == 40 and "search_after" not in body
    assert "from" not in build_search_body(SearchRequest(q="lamp"), 21, None, offset=0)


def test_given_several_words_when_building_then_each_word_is_fuzzy_in_any_field_and_long_words_are_exact():
    long_word = "x" * 31
    body = build_search_body(SearchRequest(q=f"nordlict lamp {long_word} !!!"), 21, None)
    fuzzy = {
        value["query"]: value
        for path, value in walk(body)
        if path and path[-1] == "multi_match" and value.get("type") == "best_fields"
    }
    assert set(fuzzy) == {"nordlict", "lamp", long_word, "!!!"}
    assert fuzzy["nordlict"]["fuzziness"] == "AUTO"
    assert fuzzy[long_word]["fuzziness"] == 0
    # Punctuation analyses to nothing; such a word must not make every document fail the clause.
    assert all(clause["zero_terms_query"] == "all" for clause in fuzzy.values())


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
    monkeypatch.setattr(query_adapter, "opensearch_client", lambda: RaisingClient(error))

    with pytest.raises(SearchUnavailable):
        query_adapter.OpenSearchQuery().search(SearchRequest(q="lamp"), 21, None, 0, preference="search:x")
