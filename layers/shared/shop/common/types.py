"""Validation types every context shares: server-generated ids, free text, money, currencies."""

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from shop.common.currencies import ISO_4217_CODES
from shop.common.errors import ShopError

# Money is an integer in minor units; strict so that 9.99, "999" and true are rejected.
MAX_PRICE_CENTS = 10**12


def _iso_4217(code: str) -> str:
    if code not in ISO_4217_CODES:
        raise ValueError(f"{code!r} is not an active ISO 4217 currency code")
    return code


# Server-generated ids (products, orders) are UUID4s; anything else cannot name one. UUIDs are case-insensitive
# (RFC 9562): any case is accepted and the id continues in its canonical lowercase form, the one ids are made
# and stored in.
UUID4_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
_CANONICAL_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
Uuid4 = Annotated[str, StringConstraints(pattern=UUID4_PATTERN), AfterValidator(str.lower)]


def id_in_path(not_found: Callable[[str], ShopError]) -> BeforeValidator:
    """An id in a URL path names a resource: one that cannot be an id names none, so it gets the resource's own
    not-found error (404, as for an unknown id) instead of a validation error. Raised, not a ValueError, so
    that pydantic lets it through to the resolver's error table."""

    def canonical(value: object) -> str:
        if isinstance(value, str) and _CANONICAL_UUID4.fullmatch(value.lower()):
            return value.lower()
        shown = value if isinstance(value, str) and len(value) <= 100 else f"{str(value)[:100]}..."
        raise not_found(shown)

    return BeforeValidator(canonical)


# Free text refuses characters that are invisible or reorder or hide what is shown: controls (C0, DEL, C1: NUL,
# ESC sequences...), format characters (Unicode category Cf: bidi embeddings, overrides and isolates U+202A-202E
# and U+2066-2069, zero-width space, BOM, soft hyphen, tag characters...), lone surrogates, and the line and
# paragraph separators. Allowed all the same: ZERO WIDTH NON-JOINER and JOINER (U+200C, U+200D), which Persian
# and Indic scripts and emoji sequences need; and, in multi-line text only, tab, line feed and carriage return.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")


def _visible_text(allowed: frozenset[str]) -> BeforeValidator:
    def check(value: object) -> object:
        # Before stripping, so that a control at either end is refused rather than silently dropped.
        if isinstance(value, str):
            for character in value:
                if unicodedata.category(character) in _REFUSED_CATEGORIES and character not in allowed:
                    name = unicodedata.name(character, "a control character")
                    raise PydanticCustomError(
                        "text_character",
                        "Text must not contain {character} ({name}): control and invisible characters are refused",
                        {"character": f"U+{ord(character):04X}", "name": name},
                    )
        return value

    return BeforeValidator(check)


SINGLE_LINE = _visible_text(_JOINERS)
MULTI_LINE = _visible_text(_JOINERS | frozenset("\t\n\r"))
PriceCents = Annotated[int, Field(strict=True, ge=0, le=MAX_PRICE_CENTS)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
