"""Search rules: what a query may ask for, and paging through results with signed cursors.

The engine behind the SearchEngine port (shop.search.query.opensearch in AWS) turns a request into its own
query language and its answer back into search's models: nothing here knows OpenSearch's JSON.
"""

import hashlib
import re

from shop.common.paging import DEFAULT_PAGE_SIZE, SEARCH, Pager
from shop.search.errors import InvalidSearch
from shop.search.models import Match, SearchRequest, SearchResults
from shop.search.ports import SearchEngine

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
    engine: SearchEngine,
    cursor_key: bytes,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> SearchResults:
    """One page of hits with total and facets; deep pages start after the last hit's sort values, never at an
    offset."""
    check_search_request(request)
    scope = cursor_scope(request)
    pager = Pager(scope, limit, cursor_key, SEARCH)
    # The same preference for every page of a query: relevance scores, and so the positions pages start
    # after, then come from the same shard copies.
    found = engine.search(request, pager.size, pager.start(cursor), preference=scope)
    matches, next_cursor = pager.page(found.hits, _position)
    return SearchResults(
        items=[match.hit for match in matches], total=found.total, facets=found.facets, next_cursor=next_cursor
    )


def _position(match: Match) -> list[int | float | str]:
    return match.position
