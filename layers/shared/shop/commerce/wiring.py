"""Commerce's adapters composed once per container: what the handlers hand to the services.

Carts and orders live in the shop's one table (beside the catalog's products), so both are one adapter;
checkout's idempotency records are another. Each is created on first use and imported only then, so that
importing a handler (its cold start) stays cheap, and only checkout pays for Powertools' idempotency.
"""

from functools import cache
from typing import TYPE_CHECKING

from shop.common.settings import table_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from shop.commerce.dynamodb import CommerceTable


@cache
def commerce_store() -> "CommerceTable":
    from shop.commerce.dynamodb import CommerceTable

    return CommerceTable(table_settings().table_name)


def checkout_records() -> "BasePersistenceLayer":
    from shop.commerce.idempotency import idempotency_store

    return idempotency_store()
