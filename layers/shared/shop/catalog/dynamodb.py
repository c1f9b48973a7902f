"""The catalog's DynamoDB access: one item per product, two sparse indexes for listing.

Item layout (single table, see docs/data-design.md):
    pk = "PRODUCT#<id>", sk = "PRODUCT", entity = "PRODUCT"
    gsi1pk = "PRODUCTS",            gsi1sk = "<created_at>#<id>"   -> all products, newest first
    gsi2pk = "CATEGORY#<category>", gsi2sk = "<created_at>#<id>"   -> one category, newest first
Every call a request path makes is a key or index operation. Only `scan_products` reads the
whole table, for the operators' reindex and reconcile tools.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shop.catalog.errors import ProductNotFound, VersionMismatch
from shop.catalog.models import MalformedProduct, Product
from shop.common.clients import dynamodb_client
from shop.common.errors import WriteConflict
from shop.common.paging import position_of, rfc3339

ENTITY = "PRODUCT"
BATCH_GET_LIMIT = 100
# A first request and this many more for keys DynamoDB left unprocessed.
BATCH_GET_ATTEMPTS = 6
ALL_PRODUCTS = "PRODUCTS"
BY_CREATED_INDEX = "gsi1"
BY_CATEGORY_INDEX = "gsi2"
_PRODUCT_FIELDS = (
    "name",
    "description",
    "category",
    "brand",
    "price_cents",
    "currency",
    "stock",
    "tags",
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def product_key(product_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": ENTITY}}


def _category_partition(category: str) -> str:
    return f"CATEGORY#{category}"


def _to_item(product: Product) -> dict[str, Any]:
    position = position_of(product)
    attributes: dict[str, Any] = {
        "pk": f"PRODUCT#{product.id}",
        "sk": ENTITY,
        "entity": ENTITY,
        "id": product.id,
        "created_at": rfc3339(product.created_at),
        "updated_at": rfc3339(product.updated_at),
        "version": product.version,
        "gsi1pk": ALL_PRODUCTS,
        "gsi1sk": position,
        "gsi2pk": _category_partition(product.category),
        "gsi2sk": position,
    }
    for field in _PRODUCT_FIELDS:
        value = getattr(product, field)
        if value is not None:
            attributes[field] = value
    return {name: _serializer.serialize(value) for name, value in attributes.items()}


def _integral(name: str, value: Decimal) -> int:
    # int() would truncate 9.99 to 9: a fractional amount is a malformed item, not a price.
    if value != value.to_integral_value():
        raise ValueError(f"{name} must be a whole number, not {value}")
    return int(value)


def product_of_attributes(attributes: dict[str, Any]) -> Product:
    """A product from an item's deserialised attributes (as boto3 or a stream image gives them)."""
    plain = {
        name: _integral(name, value) if isinstance(value, Decimal) else value for name, value in attributes.items()
    }
    return Product.model_validate(plain)


def product_from_item(item: dict[str, Any]) -> Product:
    return product_of_attributes({name: _deserializer.deserialize(value) for name, value in item.items()})


def _read_item(item: dict[str, Any]) -> Product | MalformedProduct:
    try:
        return product_from_item(item)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        return MalformedProduct(product_id_of_key(item["pk"]["S"]), str(error).splitlines()[0])


def product_id_of_key(pk: str) -> str:
    prefix = "PRODUCT#"
    if not pk.startswith(prefix):
        raise ValueError(f"{pk!r} is not a product key")
    return pk[len(prefix) :]


def batch_get_products(table_name: str, product_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The items of these products that exist, read consistently: one BatchGetItem per 100 ids, asking again
    for what DynamoDB leaves unprocessed (under load) a bounded number of times."""
    client = dynamodb_client()
    wanted = sorted(set(product_ids))
    items: list[dict[str, Any]] = []
    for start in range(0, len(wanted), BATCH_GET_LIMIT):
        keys = [product_key(product_id) for product_id in wanted[start : start + BATCH_GET_LIMIT]]
        request: dict[str, Any] = {table_name: {"Keys": keys, "ConsistentRead": True}}
        for _ in range(BATCH_GET_ATTEMPTS):
            response = client.batch_get_item(RequestItems=request)
            items += response.get("Responses", {}).get(table_name, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise WriteConflict("products could not be read: DynamoDB kept keys unprocessed")
    return items


class ProductsTable:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def put_new(self, product: Product) -> None:
        dynamodb_client().put_item(
            TableName=self.table_name,
            Item=_to_item(product),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get(self, product_id: str, consistent: bool = False) -> Product:
        response = dynamodb_client().get_item(
            TableName=self.table_name, Key=product_key(product_id), ConsistentRead=consistent
        )
        if "Item" not in response:
            raise ProductNotFound(product_id)
        return product_from_item(response["Item"])

    def update(
        self,
        product_id: str,
        changes: dict[str, object],
        expected_version: int | None,
        now: datetime,
    ) -> Product:
        """Apply changes in one conditional write; the version guards against lost updates."""
        names: dict[str, str] = {"#version": "version", "#updated_at": "updated_at"}
        values: dict[str, Any] = {":one": 1, ":updated_at": rfc3339(now)}
        sets = ["#version = #version + :one", "#updated_at = :updated_at"]
        removes: list[str] = []
        for index, (field, value) in enumerate(sorted(changes.items())):
            names[f"#f{index}"] = field
            if value is None:
                removes.append(f"#f{index}")
                continue
            values[f":v{index}"] = value
            sets.append(f"#f{index} = :v{index}")
            if field == "category":
                names["#gsi2pk"] = "gsi2pk"
                values[":gsi2pk"] = _category_partition(str(value))
                sets.append("#gsi2pk = :gsi2pk")
        condition = "attribute_exists(pk)"
        if expected_version is not None:
            condition += " AND #version = :expected"
            values[":expected"] = expected_version
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        client = dynamodb_client()
        try:
            response = client.update_item(
                TableName=self.table_name,
                Key=product_key(product_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={name: _serializer.serialize(v) for name, v in values.items()},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            current = error.response.get("Item")
            if not current:
                raise ProductNotFound(product_id) from error
            raise VersionMismatch(product_id, expected_version or 0, product_from_item(current).version) from error
        return product_from_item(response["Attributes"])

    def delete(self, product_id: str) -> None:
        client = dynamodb_client()
        try:
            client.delete_item(
                TableName=self.table_name,
                Key=product_key(product_id),
                ConditionExpression="attribute_exists(pk)",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            raise ProductNotFound(product_id) from error

    def list_newest(self, category: str | None, limit: int, after: str | None) -> list[Product]:
        """Up to `limit` products, newest first, starting after the position `after`."""
        if category is None:
            index, partition_key, sort_key, partition = (
                BY_CREATED_INDEX,
                "gsi1pk",
                "gsi1sk",
                ALL_PRODUCTS,
            )
        else:
            index, partition_key, sort_key = BY_CATEGORY_INDEX, "gsi2pk", "gsi2sk"
            partition = _category_partition(category)
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": partition_key},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            product_id = after.rsplit("#", 1)[1]
            query["ExclusiveStartKey"] = {
                **product_key(product_id),
                partition_key: {"S": partition},
                sort_key: {"S": after},
            }
        items = dynamodb_client().query(**query).get("Items", [])
        return [product_from_item(item) for item in items]

    def get_many(self, product_ids: Iterable[str]) -> dict[str, Product | MalformedProduct]:
        """The items that exist among `product_ids`, read consistently, by id; malformed ones as such."""
        items = (_read_item(item) for item in batch_get_products(self.table_name, product_ids))
        return {item.id: item for item in items}

    def scan_products(self, segment: int, total_segments: int) -> Iterator[list[Product | MalformedProduct]]:
        """One segment of a parallel scan, a page at a time; only catalog items."""
        client = dynamodb_client()
        scan: dict[str, Any] = {
            "TableName": self.table_name,
            "Segment": segment,
            "TotalSegments": total_segments,
            "FilterExpression": "sk = :product",
            "ExpressionAttributeValues": {":product": {"S": ENTITY}},
            "ConsistentRead": True,
        }
        while True:
            response = client.scan(**scan)
            yield [_read_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return
            scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def approximate_count(self) -> int:
        return int(dynamodb_client().describe_table(TableName=self.table_name)["Table"].get("ItemCount", 0))
