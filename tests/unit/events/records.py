"""Stream records of order and product writes, as DynamoDB Streams delivers them (DynamoDB JSON)."""

from typing import Any

from boto3.dynamodb.types import TypeSerializer

ORDER_ID = "5d1c2b3a-4e5f-4a6b-8c7d-99aabbccddee"
PRODUCT_ID = "0b4c7a1e-3f6d-4a5b-9c8d-112233445566"
_serializer = TypeSerializer()


def order(status: str = "PLACED", user_id: str = "ada", order_id: str = ORDER_ID, **fields: Any) -> dict[str, Any]:
    return {
        "pk": f"ORDER#{order_id}",
        "sk": "ORDER",
        "id": order_id,
        "user_id": user_id,
        "items": [
            {
                "product_id": PRODUCT_ID,
                "name": "Kettle",
                "unit_price_cents": 2999,
                "quantity": 2,
                "line_total_cents": 5998,
            }
        ],
        "total_cents": 5998,
        "currency": "GBP",
        "status": status,
        "shipping_address": {
            "name": "Ada",
            "line1": "1 Main St",
            "city": "London",
            "postal_code": "N1",
            "country": "GB",
        },
        "created_at": "2026-11-27T12:00:00.000000Z",
        "updated_at": "2026-11-27T12:00:00.000000Z",
        **fields,
    }


def product(stock: int, version: int = 1, product_id: str = PRODUCT_ID) -> dict[str, Any]:
    return {
        "pk": f"PRODUCT#{product_id}",
        "sk": "PRODUCT",
        "id": product_id,
        "name": "Kettle",
        "category": "kitchen",
        "price_cents": 2999,
        "currency": "GBP",
        "stock": stock,
        "version": version,
        "created_at": "2026-11-27T12:00:00.000000Z",
        "updated_at": "2026-11-27T12:00:05.000000Z",
    }


def record(sequence: int, event_name: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict:
    item = new or old or {}
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1795780800 + sequence,
        "Keys": {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}},
        "SequenceNumber": f"{sequence:021d}",
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        change["NewImage"] = {name: _serializer.serialize(value) for name, value in new.items()}
    if old is not None:
        change["OldImage"] = {name: _serializer.serialize(value) for name, value in old.items()}
    return {
        "eventID": f"{sequence:032x}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/shop/stream/2026-11-27T12:00:00.000",
    }


def batch(*records: dict) -> dict:
    return {"Records": list(records)}
