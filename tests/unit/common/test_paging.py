import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from shop.common.errors import InvalidCursor
from shop.common.paging import decode_cursor, encode_cursor, rfc3339

POSITION = "2026-11-27T10:00:00.000001Z#0b4c7a1e-3f6d-4a5b-9c8d-112233445566"
KEY = b"unit-test-cursor-signing-key-0123456789"


def test_given_encoded_cursor_when_decoded_for_same_scope_then_position_round_trips():
    assert decode_cursor(encode_cursor("all", POSITION, KEY), "all", KEY) == POSITION


def test_given_cursor_from_other_query_when_decoded_then_invalid():
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor("category:toys", POSITION, KEY), "all", KEY)


def _raw(payload: object) -> str:
    """A cursor body a client could forge, signed with the real key: only the shape checks stop it."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    tag = hmac.new(KEY, body.encode(), hashlib.sha256).digest()[:16]
    return f"{body}.{base64.urlsafe_b64encode(tag).decode().rstrip('=')}"


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !!",
        "AAAA",
        _raw([1, 2]),
        _raw({"v": 1, "scope": "all"}),
        _raw({"v": 2, "scope": "all", "after": POSITION}),
        _raw({"v": 1, "scope": "all", "after": "PRODUCT#x"}),
        _raw({"v": 1, "scope": "all", "after": POSITION, "extra": 1}),
        _raw({"v": 1, "scope": "all", "after": {"S": POSITION}}),
        "x" * 5000,
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_given_tampered_cursor_when_decoded_then_invalid_cursor(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "all", KEY)


def test_given_datetimes_when_formatted_then_fixed_width_utc_that_sorts_in_time_order():
    early = rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    late = rfc3339(datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC))
    assert early == "2026-01-02T03:04:05.000000Z"
    assert early < late


def test_given_cursor_with_a_position_the_client_chose_when_decoded_then_invalid_without_the_key():
    genuine = encode_cursor("all", POSITION, KEY)
    body = (
        base64.urlsafe_b64encode(
            json.dumps({"v": 1, "scope": "all", "after": POSITION.replace("2026", "2099")}).encode()
        )
        .decode()
        .rstrip("=")
    )
    forged = f"{body}.{genuine.split('.')[1]}"
    with pytest.raises(InvalidCursor):
        decode_cursor(forged, "all", KEY)


def test_given_cursor_signed_with_another_key_when_decoded_then_invalid():
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor("all", POSITION, b"another-key-another-key-another-key"), "all", KEY)


@pytest.mark.parametrize("cursor", ["", ".", "abc.", ".abc", "a.b.c"])
def test_given_cursor_without_a_valid_tag_when_decoded_then_invalid(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "all", KEY)
