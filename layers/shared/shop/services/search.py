"""Search rules: what a query may ask for, and paging through results with signed cursors."""

import hashlib
import re
from functools import cache
from typing import Any, Protocol

from shop.cursor import decode_search_cursor, encode_search_cursor
from shop.errors import InvalidSearch
from shop.models import SearchRequest, SearchResults

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
# Each word becomes a few clauses per field; this keeps a query far below OpenSearch's clause limit.
MAX_QUERY_WORDS = 16
MAX_FILTER_VALUES = 20
# What the standard tokenizer can make a token of, counted generously: a run of word characters,
# except that each ideograph and hiragana is a token of its own, and any other non-ASCII character
# that is not a letter (emoji above all) may be one too. Counting `\w+` runs alone let 200 ideographs
# or emoji through as "one word" and far past OpenSearch's clause limit: a 500, not an answer.
_IDEOGRAPHIC = "\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD = re.compile(rf"[{_IDEOGRAPHIC}]|[^\W{_IDEOGRAPHIC}]+|[^\w\s\x00-\x7f]")


class SearchEngine(Protocol):
    def search(self, body: dict[str, Any], preference: str | None = None) -> dict[str, Any]: ...


@cache
def default_engine() -> SearchEngine:
    from shop.adapters.search_index import SearchIndex

    return SearchIndex()


def check_search_request(request: SearchRequest) -> None:
    """The rules no single parameter can check alone."""
    if len(request.q) > MAX_QUERY_LENGTH:
        raise InvalidSearch(f"q is longer than {MAX_QUERY_LENGTH} characters")
    if len(_WORD.findall(request.q)) > MAX_QUERY_WORDS:
        raise InvalidSearch(f"q has more than {MAX_QUERY_WORDS} words")
    if len(request.categories) > MAX_FILTER_VALUES or len(request.brands) > MAX_FILTER_VALUES:
        raise InvalidSearch(f"at most {MAX_FILTER_VALUES} values per filter")
    if (
        request.min_price_cents is not None
        and request.max_price_cents is not None
        and request.min_price_cents > request.max_price_cents
    ):
        raise InvalidSearch("min_price is greater than max_price")


def cursor_scope(request: SearchRequest) -> str:
    """A fingerprint of the query a cursor belongs to: it does not page any other query."""
    canonical = request.model_copy(
        update={"categories": tuple(sorted(request.categories)), "brands": tuple(sorted(request.brands))}
    ).model_dump_json()
    return "search:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def search_products(
    request: SearchRequest,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    engine: SearchEngine | None = None,
    cursor_key: bytes | None = None,
) -> SearchResults:
    """One page of hits with total and facets. Deep pages use search_after, never from/size."""
    from shop.adapters.search_query import build_search_body, facets_of, hits_of, total_of

    check_search_request(request)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")
    from shop.settings import cursor_signing_key

    key = cursor_key or cursor_signing_key()
    scope = cursor_scope(request)
    after = decode_search_cursor(cursor, scope, key) if cursor else None
    # One extra hit tells whether another page exists, so the last page carries no cursor.
    # The same preference for every page of a query: relevance scores, and so search_after positions,
    # then come from the same shard copies.
    response = (engine or default_engine()).search(build_search_body(request, limit + 1, after), preference=scope)
    hits = hits_of(response)
    page, more = hits[:limit], len(hits) > limit
    return SearchResults(
        items=[hit for hit, _ in page],
        total=total_of(response),
        facets=facets_of(response["aggregations"]),
        next_cursor=encode_search_cursor(scope, page[-1][1], key) if more else None,
    )
