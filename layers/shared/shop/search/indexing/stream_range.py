"""Reading back a range of the table's stream: which products a dead-lettered batch was about.

The stream trigger's on-failure message names a shard and a sequence-number range, not the records.
Within the stream's 24-hour retention, the range can be read again to find the product ids.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

from shop.catalog.dynamodb import product_id_of_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
else:
    DynamoDBStreamsClient = Any


# Consecutive empty GetRecords pages after which the range's end is taken as unreachable.
MAX_EMPTY_PAGES = 50


class StreamRangeExpired(Exception):
    """The range is no longer in the stream: reconcile everything instead."""


@cache
def streams_client() -> "DynamoDBStreamsClient":
    import boto3

    return boto3.client("dynamodbstreams")


def product_ids_in_range(stream_arn: str, shard_id: str, first_sequence: str, last_sequence: str) -> set[str]:
    client = streams_client()
    try:
        iterator: str | None = client.get_shard_iterator(
            StreamArn=stream_arn,
            ShardId=shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=first_sequence,
        )["ShardIterator"]
    except (client.exceptions.TrimmedDataAccessException, client.exceptions.ResourceNotFoundException) as error:
        raise StreamRangeExpired(f"{shard_id} {first_sequence}..{last_sequence}") from error
    product_ids: set[str] = set()
    last = int(last_sequence)
    empty_pages = 0
    while iterator:
        try:
            response = client.get_records(ShardIterator=iterator, Limit=1000)
        except client.exceptions.TrimmedDataAccessException as error:
            # The stream dropped part of the range while it was being read.
            raise StreamRangeExpired(f"{shard_id} {first_sequence}..{last_sequence}") from error
        records: list[dict[str, Any]] = response.get("Records", [])
        for record in records:
            change = record["dynamodb"]
            sequence = int(change["SequenceNumber"])
            if sequence > last:
                return product_ids
            keys = change.get("Keys", {})
            if keys.get("sk", {}).get("S") == "PRODUCT":
                product_ids.add(product_id_of_key(keys["pk"]["S"]))
            if sequence == last:
                return product_ids
        # An empty page is not the end of the range: GetRecords may need several calls to get past
        # a stretch of the shard without records. Only the range's last record ends it; a run of
        # empty pages that never reaches it means the range cannot be read back whole.
        empty_pages = 0 if records else empty_pages + 1
        if empty_pages >= MAX_EMPTY_PAGES:
            raise StreamRangeExpired(f"{shard_id} {first_sequence}..{last_sequence}: end not reached")
        iterator = response.get("NextShardIterator")
    return product_ids
