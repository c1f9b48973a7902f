"""Validation types every context shares: server-generated ids, money, currencies."""

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shop.common.currencies import ISO_4217_CODES

# Money is an integer in minor units; strict so that 9.99, "999" and true are rejected.
MAX_PRICE_CENTS = 10**12


def _iso_4217(code: str) -> str:
    if code not in ISO_4217_CODES:
        raise ValueError(f"{code!r} is not an active ISO 4217 currency code")
    return code


# Server-generated ids (products, orders) are UUID4s; anything else cannot name one.
Uuid4 = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
]
PriceCents = Annotated[int, Field(strict=True, ge=0, le=MAX_PRICE_CENTS)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
