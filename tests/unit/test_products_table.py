"""The products table's batch read, shared by the cart and checkout and by the search index's reconcile."""

import pytest

from shop.adapters import products_table
from shop.errors import WriteConflict


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
