"""Powertools' DynamoDB persistence layer for the consumers' idempotency records, on the shared lazy client."""

from functools import cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from shop.common.clients import dynamodb_client
from shop.common.settings import idempotency_settings


@cache
def idempotency_store() -> DynamoDBPersistenceLayer:
    # Its own table (key `id`, TTL on `expiration`): these records never mix with the shop's items.
    return DynamoDBPersistenceLayer(
        table_name=idempotency_settings().idempotency_table_name, boto3_client=dynamodb_client()
    )
