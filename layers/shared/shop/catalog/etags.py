"""A product's version on the wire: its ETag, and the version an If-Match header names."""

import re
from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

from shop.catalog.errors import InvalidPrecondition


def etag(version: int) -> str:
    return f'"{version}"'


# If-Match compares strongly (RFC 9110 13.1.1): a quoted version, or the bare number clients often send.
_ENTITY_TAG = re.compile(r'^(?:"(\d{1,18})"|(\d{1,18}))$')


MAX_IF_MATCH_LENGTH = 100


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any current version)."""
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.match(header.strip()) if len(header) <= MAX_IF_MATCH_LENGTH else None
    if match is None:
        raise InvalidPrecondition(f"If-Match must be a product ETag such as '\"3\"', not {header[:40]!r}")
    return int(match.group(1) or match.group(2))


def _precondition(value: object) -> object:
    if isinstance(value, str):
        parse_if_match(value)
    return value


# The If-Match header as a route takes it: anything but an ETag or `*`, an over-long one included, is 400
# invalid-precondition (raised, so pydantic lets it through to the error table) and never a 422.
IfMatch = Annotated[str, StringConstraints(max_length=MAX_IF_MATCH_LENGTH), BeforeValidator(_precondition)]
