"""Commerce's stores composed once per container: what the handlers hand to the services.

Carts and orders live in the shop's one table (beside the catalog's products), so both are one adapter.
Checkout's idempotency records come apart, on first use: only checkout pays for Powertools' idempotency.
"""

from functools import cache
from typing import TYPE_CHECKING

from shop.commerce.dynamodb import CommerceTable
from shop.common.settings import table_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer


@cache
def commerce_store() -> CommerceTable:
    return CommerceTable(table_settings().table_name)


def checkout_records() -> "BasePersistenceLayer":
    from shop.commerce.idempotency import idempotency_store

    return idempotency_store()
