"""The SearchEngine port on OpenSearch: a search request as a query body, sent, and the answer back as matches.

User text only ever reaches OpenSearch as the `query` of `multi_match` clauses, which analyse it as
plain text: no query syntax is parsed, so quotes, brackets, `AND`, `*` or `\\` cannot make the
request fail or change its meaning.

Facets count what the shopper would get by changing that facet alone: each facet's aggregation
applies the query and every *other* filter, and the facet filters themselves go in `post_filter`
so they narrow the hits without narrowing their own counts.
"""

from typing import Any

from aws_lambda_powertools import Logger

from shop.common.clients import opensearch_client
from shop.common.paging import SortValues
from shop.search.errors import SearchUnavailable
from shop.search.index import product_of
from shop.search.models import (
    ALIAS,
    MAX_FACET_VALUES,
    FacetCount,
    Match,
    Matches,
    PriceBucket,
    SearchFacets,
    SearchHit,
    SearchRequest,
    ranks_by_score,
)

logger = Logger()

# Price facet buckets in cents: [from, to).
PRICE_RANGES: tuple[tuple[int | None, int | None], ...] = (
    (None, 2500),
    (2500, 5000),
    (5000, 10000),
    (10000, 25000),
    (25000, 50000),
    (50000, None),
)
# Values listed per facet, most hits first; the hits in the rest are counted in `<facet>_other_count`.
FACET_SIZE = MAX_FACET_VALUES
# Fields searched and their weights: the name counts most.
EXACT_FIELDS = ("name^4", "brand.text^2", "category.text^2", "tags.text^2", "description")
# Unstemmed fields for typo tolerance; description is left out, where fuzzy matches are mostly noise.
FUZZY_FIELDS = ("name.plain^3", "brand.plain", "category.plain", "tags.plain")
MAX_FUZZY_WORD_LENGTH = 30
HIGHLIGHT_FIELDS = ("name", "name.plain", "description", "description.plain")
_ID_TIEBREAK = {"id": "asc"}
SORTS: dict[str, list[Any]] = {
    "relevance": [{"_score": "desc"}, _ID_TIEBREAK],
    "price_asc": [{"price_cents": "asc"}, _ID_TIEBREAK],
    "price_desc": [{"price_cents": "desc"}, _ID_TIEBREAK],
    "newest": [{"created_at": "desc"}, _ID_TIEBREAK],
}


def _fuzzy_word(word: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": word,
            "type": "best_fields",
            "fields": list(FUZZY_FIELDS),
            "operator": "and",
            # Past this length a typo is rare and the automaton costly: exact match only.
            "fuzziness": "AUTO" if len(word) <= MAX_FUZZY_WORD_LENGTH else 0,
            "prefix_length": 1,
            "max_expansions": 10,
            # A "word" of punctuation only analyses to nothing: it must not block the other words.
            "zero_terms_query": "all",
        }
    }


def _text_query(q: str) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                # Every word matches, in some field: the precise answer, ranked first.
                {
                    "multi_match": {
                        "query": q,
                        "type": "cross_fields",
                        "fields": list(EXACT_FIELDS),
                        "operator": "and",
                        "boost": 2,
                    }
                },
                # Every word matches within an edit or two of what was typed, each in any field:
                # "nordlict lamp" finds the Nordlicht brand's Desk Lamp.
                {"bool": {"must": [_fuzzy_word(word) for word in q.split()]}},
            ],
            "minimum_should_match": 1,
        }
    }


def _facet_filters(request: SearchRequest) -> dict[str, dict[str, Any] | None]:
    price: dict[str, int] = {}
    if request.min_price_cents is not None:
        price["gte"] = request.min_price_cents
    if request.max_price_cents is not None:
        price["lte"] = request.max_price_cents
    return {
        "category": {"terms": {"category": list(request.categories)}} if request.categories else None,
        "brand": {"terms": {"brand": list(request.brands)}} if request.brands else None,
        "price": {"range": {"price_cents": price}} if price else None,
    }


def _all_but(filters: dict[str, dict[str, Any] | None], facet: str) -> dict[str, Any]:
    others = [clause for name, clause in filters.items() if name != facet and clause is not None]
    return {"bool": {"filter": others}}


def _sort_of(request: SearchRequest) -> list[Any]:
    # Without words every score is equal, so "relevance" browses newest first.
    if request.sort == "relevance" and not ranks_by_score(request):
        return SORTS["newest"]
    return SORTS[request.sort]


def build_search_body(
    request: SearchRequest, size: int, search_after: list[Any] | None, offset: int = 0
) -> dict[str, Any]:
    """The request body; a page starts after `search_after`'s sort values, or `offset` hits into the ranking."""
    query: dict[str, Any] = {"bool": {"filter": []}}
    if request.q.strip():
        query["bool"]["must"] = [_text_query(request.q)]
    if request.in_stock:
        query["bool"]["filter"].append({"term": {"in_stock": True}})
    filters = _facet_filters(request)
    body: dict[str, Any] = {
        "size": size,
        "query": query,
        "sort": _sort_of(request),
        "track_total_hits": True,
        "post_filter": _all_but(filters, ""),
        "aggs": {
            "category": {
                "filter": _all_but(filters, "category"),
                "aggs": {"values": {"terms": {"field": "category", "size": FACET_SIZE}}},
            },
            "brand": {
                "filter": _all_but(filters, "brand"),
                "aggs": {"values": {"terms": {"field": "brand", "size": FACET_SIZE}}},
            },
            "price": {
                "filter": _all_but(filters, "price"),
                "aggs": {
                    "values": {
                        "range": {
                            "field": "price_cents",
                            "ranges": [
                                {key: bound for key, bound in (("from", low), ("to", high)) if bound is not None}
                                for low, high in PRICE_RANGES
                            ],
                        }
                    }
                },
            },
        },
        "highlight": {
            # Escapes the product's own text, so the only markup in a fragment is ours.
            "encoder": "html",
            "pre_tags": ["<em>"],
            "post_tags": ["</em>"],
            "fields": {field: {"number_of_fragments": 3, "fragment_size": 150} for field in HIGHLIGHT_FIELDS},
        },
    }
    if search_after is not None:
        body["search_after"] = search_after
    if offset:
        body["from"] = offset
    return body


def _highlight_of(hit: dict[str, Any]) -> dict[str, list[str]]:
    """Fragments per product field; a match on an unstemmed twin counts for its field."""
    highlight: dict[str, list[str]] = {}
    for field, fragments in (hit.get("highlight") or {}).items():
        highlight.setdefault(field.split(".", 1)[0], list(fragments))
    return highlight


def _buckets(aggregations: dict[str, Any], facet: str) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = aggregations[facet]["values"]["buckets"]
    return buckets


def _values(aggregations: dict[str, Any], facet: str) -> list[FacetCount]:
    return [FacetCount(value=b["key"], count=b["doc_count"]) for b in _buckets(aggregations, facet)]


def _other(aggregations: dict[str, Any], facet: str) -> int:
    """Hits whose value is not among the listed ones (the terms aggregation lists FACET_SIZE at most)."""
    return int(aggregations[facet]["values"]["sum_other_doc_count"])


def _missing(aggregations: dict[str, Any], facet: str) -> int:
    """Hits with no value at all: the facet's hits less those listed and those in other values.
    Exact for a single-valued keyword field on one shard, which brand and category are."""
    listed = sum(int(b["doc_count"]) for b in _buckets(aggregations, facet))
    return int(aggregations[facet]["doc_count"]) - listed - _other(aggregations, facet)


def facets_of(aggregations: dict[str, Any]) -> SearchFacets:
    price_counts = [int(bucket["doc_count"]) for bucket in _buckets(aggregations, "price")]
    return SearchFacets(
        category=_values(aggregations, "category"),
        brand=_values(aggregations, "brand"),
        price=[
            PriceBucket(from_cents=low, to_cents=high, count=count)
            for (low, high), count in zip(PRICE_RANGES, price_counts, strict=True)
        ],
        category_other_count=_other(aggregations, "category"),
        brand_other_count=_other(aggregations, "brand"),
        brand_missing_count=_missing(aggregations, "brand"),
    )


def hits_of(response: dict[str, Any]) -> list[Match]:
    """Each hit as a product with its highlight, and its sort values (the next page's search_after)."""
    return [
        Match(
            SearchHit(**product_of(hit["_source"]).model_dump(), highlight=_highlight_of(hit)),
            list(hit["sort"]),
        )
        for hit in response["hits"]["hits"]
    ]


def total_of(response: dict[str, Any]) -> int:
    return int(response["hits"]["total"]["value"])


def matches_of(response: dict[str, Any]) -> Matches:
    return Matches(hits=hits_of(response), total=total_of(response), facets=facets_of(response["aggregations"]))


class OpenSearchQuery:
    """Searches the products index through its alias, on the per-container client."""

    def __init__(self, alias: str = ALIAS) -> None:
        self.alias = alias

    def search(
        self, request: SearchRequest, size: int, after: SortValues | None, offset: int, preference: str
    ) -> Matches:
        return matches_of(self.send(build_search_body(request, size, after, offset), preference))

    def send(self, body: dict[str, Any], preference: str | None = None) -> dict[str, Any]:
        """Run a search body; `preference` keeps one query's pages on the same shard copies, whose scores agree."""
        from opensearchpy.exceptions import NotFoundError, TransportError

        params = {"preference": preference} if preference else {}
        try:
            response: dict[str, Any] = opensearch_client().search(index=self.alias, body=body, params=params)
        except NotFoundError as error:
            raise SearchUnavailable("the search index does not exist yet") from error
        except TransportError as error:
            # Down, overloaded, or refusing us (an IAM or domain policy change): the client can only retry.
            logger.exception("search failed", extra={"status": error.status_code, "error": str(error.error)})
            raise SearchUnavailable("the search service did not answer") from error
        return response
