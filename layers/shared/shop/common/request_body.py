"""Request bodies: one reader for every route, and the checks on a body's media type before Powertools reads it.

A hostile body gets a 422 or 415 problem instead of exhausting the parser or reaching validation as a 500.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shop.common.errors import UnsupportedMediaType


def header_of(event: Mapping[str, Any], name: str) -> str:
    """A request header's value (names compare case-insensitively), or "" when absent."""
    headers = event.get("headers") or {}
    return str(next((value for key, value in headers.items() if key.lower() == name), None) or "")


# Request bodies: one reader for every route. JSON in UTF-8 (RFC 8259), read within limits that no valid body
# of this API comes near, so that a hostile one gets a 422 problem instead of exhausting the parser.
JSON = "application/json"
MAX_JSON_DEPTH = 32  # objects and arrays nested in one another; the deepest body of the API has 2
MAX_INTEGER_DIGITS = 64  # digits of one integer literal; the largest value the API takes has 13
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def require_json_body(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event, its body checked to be JSON in UTF-8 and handed on as Powertools reads it: text, with a
    lowercase media type (media types and charset names are case-insensitive, RFC 9110 8.3.1)."""
    content_type = header_of(event, "content-type")
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    if not event.get("body"):
        return event
    if media_type.lower() not in ("", JSON):
        raise UnsupportedMediaType(content_type)
    charsets = [
        value.strip('"').lower()
        for name, _, value in (p.partition("=") for p in parameters)
        if name.strip().lower() == "charset"
    ]
    # JSON text is UTF-8; the gateway hands the function text, so another charset's bytes are already lost.
    if any(charset != "utf-8" for charset in charsets):
        raise UnsupportedMediaType(content_type)
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != "content-type"}
    if media_type:
        headers["Content-Type"] = JSON
    changed = {**event, "headers": headers}
    if event.get("isBase64Encoded"):
        # Only binary media types come base64-encoded. Bytes that are not UTF-8 become U+FFFD, as the gateway
        # does for text bodies, and the JSON reader refuses them alike.
        try:
            text = base64.b64decode(event["body"], validate=True).decode("utf-8", "replace")
        except binascii.Error:
            text = "\ufffd"  # not even base64: as unreadable as bytes that are not UTF-8
        changed |= {"body": text, "isBase64Encoded": False}
    return changed


class _LongInteger:
    """Stands in for an integer literal too long to read; reported with its place in the body."""


def _read_integer(literal: str) -> int | _LongInteger:
    return _LongInteger() if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS else int(literal)


def _long_integers(value: Any, place: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, _LongInteger):
        yield place
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _long_integers(item, (*place, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _long_integers(item, (*place, index))


def _body_error(kind: str, message: str, place: tuple[str | int, ...] = ()) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *place), "msg": message, "input": {}}])


def read_json_body(text: str) -> Any:
    """Every route's JSON body reader (Powertools' json_body_deserializer). Refuses, as request validation
    errors: U+FFFD, which the gateway puts in place of bytes that are not UTF-8 (send `\\ufffd` to mean the
    character itself); nesting deeper than MAX_JSON_DEPTH, counted before parsing, whose recursion it bounds;
    integers longer than MAX_INTEGER_DIGITS, which Python would refuse to convert past 4,300 digits."""
    if "\ufffd" in text:
        raise _body_error("utf8_invalid", "The body is not valid UTF-8")
    # Brackets inside strings do not nest: drop the strings, then the running count of the brackets left is
    # the depth. Exact for valid JSON; for invalid JSON it bounds what the parser reaches before it fails.
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if max(accumulate(map(_NESTING_STEP.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH:
        raise _body_error("json_too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    value = json.loads(text, parse_int=_read_integer)
    if places := list(_long_integers(value)):
        raise RequestValidationError(
            [
                {
                    "type": "int_too_long",
                    "loc": ("body", *place),
                    "msg": f"Integer longer than {MAX_INTEGER_DIGITS} digits",
                    "input": {},
                }
                for place in places
            ]
        )
    return value
