"""Search rules: what a query may ask for, and paging through results with signed cursors.

The engine behind the SearchEngine port (shop.search.query.opensearch in AWS) turns a request into its own
query language and its answer back into search's models: nothing here knows OpenSearch's JSON.
"""

import hashlib
import re

from shop.common.errors import InvalidCursor
from shop.common.paging import DEFAULT_PAGE_SIZE, SEARCH, Pager, SearchPosition
from shop.search.errors import InvalidSearch
from shop.search.models import MAX_RELEVANCE_DEPTH, SearchRequest, SearchResults, ranks_by_score
from shop.search.ports import SearchEngine

MAX_QUERY_LENGTH = 200
# Each term of q becomes clauses in every searched field: exact ones, and fuzzy ones that expand to up to
# max_expansions terms each. OpenSearch refuses a query of more than 1024 clauses in all
# (indices.query.bool.max_clause_count), an error that would be a 500. Counted at their most, a word
# of three characters or more is fuzzy in 4 fields and exact in 5: 4 x 10 + 5 = 45 clauses; 16 of them
# (720) stay well below the limit.
MAX_QUERY_WORDS = 16
# A term of one or two characters has no typo to tolerate (fuzziness AUTO allows no edit below three):
# 5 + 4 = 9 clauses, a fifth of a word. Chinese and Japanese are written without spaces, and the
# standard tokenizer makes each ideograph and each hiragana a term of its own: 80 of them fit, where
# counting each as a word refused a 17-character query. Emoji are counted the same way.
SHORT_TERM_WEIGHT = 5
MAX_QUERY_WEIGHT = MAX_QUERY_WORDS * SHORT_TERM_WEIGHT
MAX_FILTER_VALUES = 20
# What the standard tokenizer can make a term of, counted generously: a run of word characters,
# except that each ideograph and hiragana is a term of its own; and a run of other non-ASCII
# characters that are not letters (emoji above all), which may be one term or one per character.
_IDEOGRAPHIC = "\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD = re.compile(rf"[{_IDEOGRAPHIC}]|[^\W{_IDEOGRAPHIC}]+")
_SYMBOLS = re.compile(r"[^\w\s\x00-\x7f]+")
# From this many characters on, a term is fuzzy.
_FUZZY_FROM_LENGTH = 3


def _weight(term: str) -> int:
    return SHORT_TERM_WEIGHT if len(term) >= _FUZZY_FROM_LENGTH else 1


def query_weight(q: str) -> int:
    """What q costs in clauses, in fifths of a word: 5 per term of three characters or more, 1 per shorter one.
    A run of emoji costs the more of its two readings: one term, or one term per emoji."""
    words = sum(_weight(word) for word in _WORD.findall(q))
    return words + sum(max(_weight(run), len(run)) for run in _SYMBOLS.findall(q))


def check_search_request(request: SearchRequest) -> None:
    """The rules no single parameter can check alone."""
    if len(request.q) > MAX_QUERY_LENGTH:
        raise InvalidSearch(f"q is longer than {MAX_QUERY_LENGTH} characters")
    if query_weight(request.q) > MAX_QUERY_WEIGHT:
        raise InvalidSearch(
            f"q has too many words: at most {MAX_QUERY_WORDS}, where a word of one or two characters, "
            f"a Chinese or Japanese character or an emoji counts as a fifth ({MAX_QUERY_WEIGHT} of those)"
        )
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
    """One page of hits with total and facets.

    Pages sorted by a field (price, time) continue with search_after on the field and the id: exact
    and unbounded. Pages sorted by relevance continue at an offset into the ranking (from/size),
    down to MAX_RELEVANCE_DEPTH hits: a score is a float the engine recomputes per request, not a
    field value a cursor can reliably carry (docs/decisions/relevance-paging.md).
    """
    check_search_request(request)
    scope = cursor_scope(request)
    pager = Pager(scope, limit, cursor_key, SEARCH)
    position = pager.start(cursor)
    by_offset = ranks_by_score(request)
    # The scope holds the sort and the words, so a cursor always holds the kind of position its query
    # pages by, within the depth; this guards against changes of format or depth, not against clients.
    if position is not None and (
        (position.offset is None) == by_offset or (position.offset or 0) >= MAX_RELEVANCE_DEPTH
    ):
        raise InvalidCursor()
    offset = (position.offset or 0) if position else 0
    window = min(limit, MAX_RELEVANCE_DEPTH - offset) if by_offset else limit
    # One extra hit tells whether another page exists, so the last page carries no cursor.
    # The same preference for every page of a query: relevance scores, and so positions in the
    # ranking, then come from the same shard copies.
    found = engine.search(request, window + 1, position.after if position else None, offset, preference=scope)
    page, more = found.hits[:window], len(found.hits) > window
    next_cursor = None
    if more and by_offset:
        end = offset + len(page)
        next_cursor = pager.seal(SearchPosition(offset=end)) if end < MAX_RELEVANCE_DEPTH else None
    elif more:
        next_cursor = pager.seal(SearchPosition(after=page[-1].position))
    return SearchResults(
        items=[match.hit for match in page], total=found.total, facets=found.facets, next_cursor=next_cursor
    )
