"""Paging: pages of a listing or a search, and their opaque cursors.

A cursor is base64url(JSON) of the last item's position in the index being paged, and the query it
belongs to, followed by an HMAC of it. Only cursors this API issued decode: a tampered one is a
clean 400, never an arbitrary starting point and never a DynamoDB validation error (a 500).
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, ValidationError, model_validator

from shop.common.errors import InvalidCursor

# "<created_at RFC 3339 with microseconds>#<uuid4>", the sort key of the catalog indexes.
POSITION_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
MAX_CURSOR_LENGTH = 1024
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_TAG_BYTES = 16


class CursorPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: int = Field(1, ge=1, le=1)
    scope: str = Field(max_length=200)
    after: str = Field(pattern=POSITION_PATTERN)


# OpenSearch's default index.max_result_window: no offset past it can be asked for.
MAX_SEARCH_OFFSET = 10_000


class SearchCursorPayload(BaseModel):
    """Where the next page of a search starts: after a hit's sort values, or at an offset in the ranking."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: int = Field(1, ge=1, le=1)
    scope: str = Field(max_length=200)
    # The last hit's sort values (price or time, then id), as OpenSearch's search_after takes them.
    after: list[StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=100)]] | None = Field(
        None, min_length=1, max_length=4
    )
    # How many hits of the ranking were already shown (relevance sort, paged with from/size).
    offset: StrictInt | None = Field(None, ge=1, le=MAX_SEARCH_OFFSET)

    @model_validator(mode="after")
    def _one_position(self) -> "SearchCursorPayload":
        if (self.after is None) == (self.offset is None):
            raise ValueError("a search cursor holds either after or offset")
        return self


def rfc3339(moment: datetime) -> str:
    """Fixed-width UTC timestamps, so that they sort as strings in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Positioned(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


def position_of(entity: Positioned) -> str:
    """A product's or an order's sort key in its newest-first listing index: creation time, ties broken by id."""
    return f"{rfc3339(entity.created_at)}#{entity.id}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(body: str, key: bytes) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()[:_TAG_BYTES]


def _seal(payload: BaseModel, key: bytes) -> str:
    body = _b64(payload.model_dump_json().encode())
    return f"{body}.{_b64(_tag(body, key))}"


def _open[Payload: BaseModel](cursor: str, model: type[Payload], key: bytes) -> Payload:
    body, _, tag = cursor.partition(".")
    if len(cursor) > MAX_CURSOR_LENGTH or not tag:
        raise InvalidCursor()
    try:
        if not hmac.compare_digest(_unb64(tag), _tag(body, key)):
            raise InvalidCursor()
        return model.model_validate(json.loads(_unb64(body)))
    except (binascii.Error, ValueError, ValidationError, UnicodeDecodeError) as error:
        raise InvalidCursor() from error


def encode_cursor(scope: str, after: str, key: bytes) -> str:
    return _seal(CursorPayload(scope=scope, after=after), key)


def decode_cursor(cursor: str, scope: str, key: bytes) -> str:
    """Return the position after which the next page starts; raise InvalidCursor otherwise."""
    payload = _open(cursor, CursorPayload, key)
    if payload.scope != scope:
        raise InvalidCursor()
    return payload.after


def encode_search_cursor(
    scope: str, key: bytes, *, after: list[int | float | str] | None = None, offset: int | None = None
) -> str:
    return _seal(SearchCursorPayload(scope=scope, after=after, offset=offset), key)


def decode_search_cursor(cursor: str, scope: str, key: bytes) -> SearchCursorPayload:
    """Where the next page starts; raise InvalidCursor for anything this API did not issue."""
    payload = _open(cursor, SearchCursorPayload, key)
    if payload.scope != scope:
        raise InvalidCursor()
    return payload


SortValues = list[int | float | str]


@dataclass(frozen=True)
class CursorKind[Position]:
    """How a cursor carries its position: a listing index's sort key, or a search's sort values."""

    seal: Callable[[str, Position, bytes], str]
    open: Callable[[str, str, bytes], Position]


@dataclass(frozen=True)
class SearchPosition:
    """Where a search's next page starts: after a hit's sort values, or at an offset into the ranking."""

    after: SortValues | None = None
    offset: int | None = None


def _seal_search_position(scope: str, position: SearchPosition, key: bytes) -> str:
    return encode_search_cursor(scope, key, after=position.after, offset=position.offset)


def _open_search_position(cursor: str, scope: str, key: bytes) -> SearchPosition:
    payload = decode_search_cursor(cursor, scope, key)
    return SearchPosition(after=list(payload.after) if payload.after is not None else None, offset=payload.offset)


LISTING: CursorKind[str] = CursorKind(encode_cursor, decode_cursor)
SEARCH: CursorKind[SearchPosition] = CursorKind(_seal_search_position, _open_search_position)


@dataclass(frozen=True)
class Pager[Position]:
    """One page of `limit` items of the query named by `scope`, starting after a cursor's position.

    It asks its source for one item more than the page holds (`size`): that extra item tells whether another
    page exists, so the last page carries no cursor.
    """

    scope: str
    limit: int
    key: bytes
    kind: CursorKind[Position]

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")

    @property
    def size(self) -> int:
        return self.limit + 1

    def start(self, cursor: str | None) -> Position | None:
        """The position after which the page starts; InvalidCursor for a cursor of another query or key."""
        return self.kind.open(cursor, self.scope, self.key) if cursor else None

    def seal(self, position: Position) -> str:
        """The cursor of the page that starts at `position`."""
        return self.kind.seal(self.scope, position, self.key)

    def page[Item](self, items: list[Item], position: Callable[[Item], Position]) -> tuple[list[Item], str | None]:
        """The page among `size` items read, and the cursor of the next page (None on the last)."""
        page = items[: self.limit]
        more = len(items) > self.limit
        return page, self.seal(position(page[-1])) if more else None
