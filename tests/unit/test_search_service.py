import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from shop.errors import InvalidCursor, InvalidSearch
from shop.models import Product, SearchRequest
from shop.services.search import (
    MAX_FILTER_VALUES,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    check_search_request,
    cursor_scope,
    search_products,
)
from tests.fakes import FakeSearchEngine

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
        # The standard tokenizer makes each ideograph, and each emoji, a token: one clause set each.
        SearchRequest(q="日本語" * 6),
        SearchRequest(q="🎧" * (MAX_QUERY_WORDS + 1)),
        SearchRequest(min_price_cents=500, max_price_cents=499),
        SearchRequest(categories=tuple(f"c{i}" for i in range(MAX_FILTER_VALUES + 1))),
        SearchRequest(brands=tuple(f"b{i}" for i in range(MAX_FILTER_VALUES + 1))),
    ],
    ids=[
        "too-many-words",
        "too-long",
        "too-many-ideographs",
        "too-many-emoji",
        "min-above-max",
        "too-many-categories",
        "too-many-brands",
    ],
)
def test_given_conflicting_parameters_when_searching_then_invalid_search_and_no_query_sent(request_):
    engine = FakeSearchEngine(catalog(3))
    with pytest.raises(InvalidSearch):
        search(engine, request_)
    assert engine.bodies == []


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q=" ".join(["word"] * MAX_QUERY_WORDS)),
        SearchRequest(q="x" * MAX_QUERY_LENGTH),
        SearchRequest(q="日本語" * 5 + " ✓"),
        SearchRequest(q='+-=&&||><!(){}[]^"~*?:\\/ ' * 4 + "lamp"),
        SearchRequest(min_price_cents=500, max_price_cents=500),
        SearchRequest(brands=tuple(f"b{i}" for i in range(MAX_FILTER_VALUES))),
    ],
    ids=["max-words", "max-length", "max-ideographs", "punctuation-is-not-words", "min-equals-max", "max-brands"],
)
def test_given_parameters_at_their_limits_when_checked_then_accepted(request_):
    check_search_request(request_)
    assert search(FakeSearchEngine(catalog(1)), request_).total == 1


def test_given_more_hits_than_limit_when_searching_then_one_extra_asked_and_next_cursor_given():
    engine = FakeSearchEngine(catalog(5))
    page = search(engine, limit=2)
    assert engine.bodies[0]["size"] == 3
    assert len(page.items) == 2 and page.total == 5
    assert page.next_cursor is not None
    assert page.items[0].highlight == {"name": [page.items[0].name]}


def test_given_exactly_limit_hits_when_searching_then_no_next_cursor():
    page = search(FakeSearchEngine(catalog(4)), limit=4)
    assert len(page.items) == 4 and page.next_cursor is None


def test_given_cursors_when_paging_then_every_hit_exactly_once_and_last_page_has_no_cursor():
    products = catalog(11)
    engine = FakeSearchEngine(products)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = search(engine, limit=3, cursor=cursor)
        seen += [hit.id for hit in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(p.id for p in products) and len(seen) == len(set(seen))
    assert len(engine.bodies) == 4
    # The cursor carries the last hit's sort values back as search_after.
    last_of_first_page = engine.products[2]
    assert engine.bodies[1]["search_after"] == [last_of_first_page.price_cents, last_of_first_page.id]


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
    engine.bodies.clear()
    with pytest.raises(InvalidCursor):
        search(engine, limit=2, cursor=spoil(cursor))
    assert engine.bodies == []


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
