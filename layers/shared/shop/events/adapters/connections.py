"""The WebSocket connections table: who is connected, and how far each order's live views have got.

    connection:  pk = "USER#<user_id>", sk = "CONNECTION#<connection_id>", expires_at (TTL)
    order view:  pk = "ORDER#<order_id>", sk = "VIEW", order_version, event_id, expires_at (TTL)

A user's connections are one partition (one Query finds them all); `$disconnect` knows the user from the
authorizer's context, so it deletes by key. TTL removes connections whose `$disconnect` never came.
"""

import time
from typing import Any

from shop.common.clients import dynamodb_client

CONNECTION_PREFIX = "CONNECTION#"
VIEW = "VIEW"
# An order's view version is kept long after the order could still change: a late event must still find it.
VIEW_TTL_SECONDS = 400 * 24 * 3600


def connection_key(user_id: str, connection_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": f"{CONNECTION_PREFIX}{connection_id}"}}


class ConnectionsTable:
    def __init__(self, table_name: str, ttl_seconds: int) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds

    def add(self, user_id: str, connection_id: str) -> None:
        now = int(time.time())
        dynamodb_client().put_item(
            TableName=self.table_name,
            Item={
                **connection_key(user_id, connection_id),
                "connected_at": {"N": str(now)},
                "expires_at": {"N": str(now + self.ttl_seconds)},
            },
        )

    def remove(self, user_id: str, connection_id: str) -> None:
        dynamodb_client().delete_item(TableName=self.table_name, Key=connection_key(user_id, connection_id))

    def of_user(self, user_id: str) -> list[str]:
        ids: list[str] = []
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            # TTL deletes within days, not at once: an expired connection is not one.
            "FilterExpression": "expires_at > :now",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"USER#{user_id}"},
                ":prefix": {"S": CONNECTION_PREFIX},
                ":now": {"N": str(int(time.time()))},
            },
            "ConsistentRead": True,
        }
        while True:
            page = dynamodb_client().query(**query)
            ids.extend(item["sk"]["S"].removeprefix(CONNECTION_PREFIX) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return ids
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def advance_view(self, order_id: str, order_version: int, event_id: str) -> bool:
        client = dynamodb_client()
        try:
            client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": VIEW}},
                UpdateExpression="SET order_version = :version, event_id = :event, expires_at = :expires",
                ConditionExpression="attribute_not_exists(order_version) OR order_version < :version",
                ExpressionAttributeValues={
                    ":version": {"N": str(order_version)},
                    ":event": {"S": event_id},
                    ":expires": {"N": str(int(time.time()) + VIEW_TTL_SECONDS)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True
