"""A product's version on the wire: its ETag, and the version an If-Match header names."""

import re

from shop.catalog.errors import InvalidPrecondition


def etag(version: int) -> str:
    return f'"{version}"'


# If-Match compares strongly (RFC 9110 13.1.1): a quoted version, or the bare number clients often send.
_ENTITY_TAG = re.compile(r'^(?:"(\d{1,18})"|(\d{1,18}))$')


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any current version)."""
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.match(header.strip())
    if match is None:
        raise InvalidPrecondition(f"If-Match must be a product ETag such as '\"3\"', not {header[:40]!r}")
    return int(match.group(1) or match.group(2))
