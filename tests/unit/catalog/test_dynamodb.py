"""The products table: its batch read (shared by the cart and checkout and the search index's reconcile), and
reading numbers out of items."""

from decimal import Decimal

import pytest

from shop.catalog import dynamodb as products_table
from shop.catalog.dynamodb import product_of_attributes
from shop.common.errors import WriteConflict


class BatchGetAnswering:
    """A DynamoDB client whose BatchGetItem leaves the first `unprocessed` keys of each request for later."""

    def __init__(self, unprocessed: int, forever: bool = False) -> None:
        self.unprocessed = unprocessed
        self.forever = forever
        self.requests: list[int] = []

    def batch_get_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
        ((table, request),) = RequestItems.items()
        keys = request["Keys"]
        assert request["ConsistentRead"] is True
        self.requests.append(len(keys))
        left = keys[: self.unprocessed] if self.forever or len(self.requests) == 1 else []
        answered = [{"pk": key["pk"], "sk": key["sk"]} for key in keys[len(left) :]]
        return {
            "Responses": {table: answered},
            "UnprocessedKeys": {table: {**request, "Keys": left}} if left else {},
        }


def test_given_250_ids_when_read_then_three_requests_of_at_most_100_and_unprocessed_keys_asked_again(monkeypatch):
    client = BatchGetAnswering(unprocessed=7)
    monkeypatch.setattr(products_table, "dynamodb_client", lambda: client)
    ids = [f"id-{n:03d}" for n in range(250)] + ["id-000"]

    items = products_table.batch_get_products("Shop", ids)

    assert client.requests == [100, 7, 100, 50]
    assert sorted(item["pk"]["S"] for item in items) == sorted(f"PRODUCT#id-{n:03d}" for n in range(250))


def test_given_keys_left_unprocessed_every_time_when_read_then_it_gives_up_with_a_write_conflict(monkeypatch):
    client = BatchGetAnswering(unprocessed=1, forever=True)
    monkeypatch.setattr(products_table, "dynamodb_client", lambda: client)

    with pytest.raises(WriteConflict):
        products_table.batch_get_products("Shop", ["a", "b"])
    assert len(client.requests) == products_table.BATCH_GET_ATTEMPTS


@pytest.mark.parametrize("value", [Decimal("9.99"), Decimal("1.5")])
def test_given_a_fractional_number_in_an_item_when_read_then_malformed_not_truncated(value):
    attributes = {
        "id": "0b4c7a1e-3f6d-4a5b-9c8d-112233445566",
        "name": "Lamp",
        "category": "lighting",
        "price_cents": value,
        "currency": "USD",
        "stock": Decimal(1),
        "created_at": "2026-11-27T12:00:00Z",
        "updated_at": "2026-11-27T12:00:00Z",
        "version": Decimal(1),
    }
    with pytest.raises(ValueError, match="whole number"):
        product_of_attributes(attributes)
    assert product_of_attributes({**attributes, "price_cents": Decimal("999")}).price_cents == 999
