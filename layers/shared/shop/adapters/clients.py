"""AWS clients, created lazily once per container.

Lazy so that importing a handler stays cheap and tests can patch or reset a client (`cache_clear`);
endpoints come from boto3's standard AWS_ENDPOINT_URL_* variables, so local stacks need no code path.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any


@cache
def dynamodb_client() -> "DynamoDBClient":
    import boto3

    return boto3.client("dynamodb")
