import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from shop.catalog.models import Product
from shop.common.errors import InvalidCursor
from shop.common.paging import encode_search_cursor
from shop.search.errors import InvalidSearch
from shop.search.models import MAX_RELEVANCE_DEPTH, SearchRequest
from shop.search.query.service import (
    MAX_FILTER_VALUES,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WEIGHT,
    MAX_QUERY_WORDS,
    check_search_request,
    cursor_scope,
    search_products,
)
from tests.doubles.search import FakeSearchEngine

KEY = b"search-tests-cursor-signing-key-0123456789"


def catalog(size: int) -> list[Product]:
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return [
        Product(
            id=str(uuid.uuid4()),
            name=f"Lamp {i}",
            category="lighting",
            price_cents=100 * (i % 7),
            currency="USD",
            stock=1,
            created_at=at,
            updated_at=at,
            version=1,
        )
        for i in range(size)
    ]


def search(engine, request=None, **kwargs):
    return search_products(request or SearchRequest(q="lamp"), engine=engine, cursor_key=KEY, **kwargs)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q=" ".join(["word"] * (MAX_QUERY_WORDS + 1))),
        SearchRequest(q="x" * (MAX_QUERY_LENGTH + 1)),
        # The standard tokenizer makes each ideograph, and each emoji, a term: a few clauses each.
        SearchRequest(q="无" * (MAX_QUERY_WEIGHT + 1)),
        SearchRequest(q="🎧" * (MAX_QUERY_WEIGHT + 1)),
        # Words and ideographs share one budget.
        SearchRequest(q=" ".join(["word"] * MAX_QUERY_WORDS) + " 无"),
        SearchRequest(q="无" * (MAX_QUERY_LENGTH - 3) + " tv"),
        # Runs of three emoji may be one fuzzy term each: a word each, not three fifths.
        SearchRequest(q="🎧🔥🎧 " * (MAX_QUERY_WORDS + 1)),
        SearchRequest(min_price_cents=500, max_price_cents=499),
        SearchRequest(categories=tuple(f"c{i}" for i in range(MAX_FILTER_VALUES + 1))),
        SearchRequest(brands=tuple(f"b{i}" for i in range(MAX_FILTER_VALUES + 1))),
    ],
    ids=[
        "too-many-words",
        "too-long",
        "too-many-ideographs",
        "too-many-emoji",
        "max-words-and-an-ideograph",
        "ideographs-up-to-the-length-limit",
        "runs-of-three-emoji",
        "min-above-max",
        "too-many-categories",
        "too-many-brands",
    ],
)
def test_given_conflicting_parameters_when_searching_then_invalid_search_and_no_query_sent(request_):
    engine = FakeSearchEngine(catalog(3))
    with pytest.raises(InvalidSearch):
        search(engine, request_)
    assert engine.asked == []


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q=" ".join(["word"] * MAX_QUERY_WORDS)),
        SearchRequest(q="x" * MAX_QUERY_LENGTH),
        # Chinese is written without spaces: 17 characters are a short query, not 17 words.
        SearchRequest(q="无线耳机无线耳机无线耳机无线耳机无"),
        SearchRequest(q="无" * MAX_QUERY_WEIGHT),
        SearchRequest(q="🎧" * MAX_QUERY_WEIGHT),
        SearchRequest(q="ワイヤレスイヤホン ノイズキャンセリング 🎧🔥"),
        SearchRequest(q=" ".join(["word"] * (MAX_QUERY_WORDS - 1)) + " 无线耳机无"),
        # Words of one or two characters are never fuzzy, so they cost a fifth of a word too.
        SearchRequest(q=" ".join(["tv"] * MAX_QUERY_WEIGHT)[:MAX_QUERY_LENGTH]),
        SearchRequest(q='+-=&&||><!(){}[]^"~*?:\\/ ' * 4 + "lamp"),
        SearchRequest(min_price_cents=500, max_price_cents=500),
        SearchRequest(brands=tuple(f"b{i}" for i in range(MAX_FILTER_VALUES))),
    ],
    ids=[
        "max-words",
        "max-length",
        "chinese-17-characters",
        "max-ideographs",
        "max-emoji",
        "katakana-words-and-emoji",
        "words-and-ideographs-share-the-budget",
        "short-words",
        "punctuation-is-not-words",
        "min-equals-max",
        "max-brands",
    ],
)
def test_given_parameters_at_their_limits_when_checked_then_accepted(request_):
    check_search_request(request_)
    assert search(FakeSearchEngine(catalog(1)), request_).total == 1


def test_given_more_hits_than_limit_when_searching_then_one_extra_asked_and_next_cursor_given():
    engine = FakeSearchEngine(catalog(5))
    page = search(engine, limit=2)
    assert engine.asked[0]["size"] == 3
    assert len(page.items) == 2 and page.total == 5
    assert page.next_cursor is not None
    assert page.items[0].highlight == {"name": [page.items[0].name]}


def test_given_exactly_limit_hits_when_searching_then_no_next_cursor():
    page = search(FakeSearchEngine(catalog(4)), limit=4)
    assert len(page.items) == 4 and page.next_cursor is None


def page_through(engine, request, limit):
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        page = search(engine, request, limit=limit, cursor=cursor)
        seen += [hit.id for hit in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("paging does not end")


def test_given_field_sort_when_paging_then_every_hit_once_after_the_last_sort_values():
    products = catalog(11)
    engine = FakeSearchEngine(products)
    seen = page_through(engine, SearchRequest(q="lamp", sort="price_asc"), limit=3)
    assert sorted(seen) == sorted(p.id for p in products) and len(seen) == len(set(seen))
    assert len(engine.asked) == 4
    # The cursor carries the last hit's sort values back as search_after, never an offset.
    last_of_first_page = engine.products[2]
    assert engine.asked[1]["search_after"] == [last_of_first_page.price_cents, last_of_first_page.id]
    assert all("from" not in body for body in engine.asked)


def test_given_relevance_sort_when_paging_then_every_hit_once_at_offsets_into_the_ranking():
    products = catalog(11)
    engine = FakeSearchEngine(products)
    seen = page_through(engine, SearchRequest(q="lamp"), limit=3)
    assert seen == [p.id for p in engine.products]
    # A score is not carried in the cursor: each page starts where the previous one ended.
    assert [body.get("from", 0) for body in engine.asked] == [0, 3, 6, 9]
    assert all("search_after" not in body and body["size"] == 4 for body in engine.asked)


def test_given_relevance_sort_without_words_when_paging_then_browses_after_sort_values():
    engine = FakeSearchEngine(catalog(5))
    page_through(engine, SearchRequest(q="  "), limit=2)
    assert "search_after" in engine.asked[1] and all("from" not in body for body in engine.asked)


def test_given_more_relevant_hits_than_the_depth_when_paging_then_paging_ends_at_the_depth():
    products = catalog(MAX_RELEVANCE_DEPTH + 30)
    engine = FakeSearchEngine(products)
    seen = page_through(engine, SearchRequest(q="lamp"), limit=70)
    assert seen == [p.id for p in engine.products[:MAX_RELEVANCE_DEPTH]]
    # The last page is cut at the depth rather than asking past it.
    last = engine.asked[-1]
    assert last["from"] + last["size"] - 1 == MAX_RELEVANCE_DEPTH


@pytest.mark.parametrize(
    ("request_", "position"),
    [
        (SearchRequest(q="lamp"), {"after": [100, "00000000-0000-4000-8000-000000000000"]}),
        (SearchRequest(q="lamp"), {"offset": MAX_RELEVANCE_DEPTH}),
        (SearchRequest(q="lamp", sort="newest"), {"offset": 3}),
    ],
    ids=["relevance-given-sort-values", "relevance-past-the-depth", "field-sort-given-an-offset"],
)
def test_given_signed_cursor_with_a_position_its_sort_does_not_page_by_then_invalid_cursor(request_, position):
    engine = FakeSearchEngine(catalog(5))
    cursor = encode_search_cursor(cursor_scope(request_), KEY, **position)
    with pytest.raises(InvalidCursor):
        search(engine, request_, limit=2, cursor=cursor)
    assert engine.asked == []


@pytest.mark.parametrize(
    "other",
    [
        SearchRequest(q="lamps"),
        SearchRequest(q="lamp", sort="price_desc"),
        SearchRequest(q="lamp", brands=("Acme",)),
        SearchRequest(q="lamp", in_stock=True),
        SearchRequest(q="lamp", max_price_cents=100),
    ],
)
def test_given_cursor_of_another_query_when_searching_then_invalid_cursor(other):
    engine = FakeSearchEngine(catalog(5))
    cursor = search(engine, SearchRequest(q="lamp"), limit=2).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        search(engine, other, limit=2, cursor=cursor)


def test_given_same_filters_in_another_order_when_paging_then_cursor_still_valid():
    engine = FakeSearchEngine(catalog(5))
    first = SearchRequest(q="lamp", brands=("A", "B"), categories=("x", "y"))
    reordered = SearchRequest(q="lamp", brands=("B", "A"), categories=("y", "x"))
    assert cursor_scope(first) == cursor_scope(reordered)
    cursor = search(engine, first, limit=2).next_cursor
    assert cursor is not None
    assert search(engine, reordered, limit=2, cursor=cursor).items


def _tampered(cursor: str) -> str:
    body, _, tag = cursor.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if payload.get("offset"):
        payload["offset"] = 1
    else:
        payload["after"] = [0, "00000000-0000-4000-8000-000000000000"]
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{forged}.{tag}"


@pytest.mark.parametrize(
    "spoil",
    [_tampered, lambda c: c[:-2], lambda c: c + "x", lambda c: c.split(".")[0], lambda c: "not-a-cursor"],
    ids=["edited-payload", "truncated", "extended", "unsigned", "garbage"],
)
def test_given_tampered_cursor_when_searching_then_invalid_cursor_and_no_query_sent(spoil):
    engine = FakeSearchEngine(catalog(5))
    cursor = search(engine, limit=2).next_cursor
    assert cursor is not None
    engine.asked.clear()
    with pytest.raises(InvalidCursor):
        search(engine, limit=2, cursor=spoil(cursor))
    assert engine.asked == []


def test_given_cursor_signed_with_another_key_when_searching_then_invalid_cursor():
    engine = FakeSearchEngine(catalog(5))
    cursor = search_products(SearchRequest(q="lamp"), limit=2, engine=engine, cursor_key=b"another-key" * 4)
    assert cursor.next_cursor is not None
    with pytest.raises(InvalidCursor):
        search(engine, limit=2, cursor=cursor.next_cursor)


@pytest.mark.parametrize("limit", [0, 101])
def test_given_limit_out_of_range_when_searching_then_refused(limit):
    with pytest.raises(ValueError, match="limit"):
        search(FakeSearchEngine(catalog(1)), limit=limit)


def test_given_pages_of_one_query_then_each_asks_for_the_same_shard_copies_and_another_query_for_others():
    engine = FakeSearchEngine(catalog(7))
    first = search(engine, limit=3)
    search(engine, limit=3, cursor=first.next_cursor)
    search(engine, SearchRequest(q="vase"), limit=3)

    assert engine.preferences[0] is not None
    assert engine.preferences[0] == engine.preferences[1] != engine.preferences[2]
