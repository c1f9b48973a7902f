"""AWS clients, created lazily once per container.

Lazy so that importing a handler stays cheap and tests can patch or reset a client (`cache_clear`);
endpoints come from boto3's standard AWS_ENDPOINT_URL_* variables, so local stacks need no code path.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from opensearchpy import OpenSearch
else:
    DynamoDBClient = Any
    OpenSearch = Any


@cache
def aws_client(service_name: str, endpoint_url: str | None = None, retries: int | None = None) -> Any:
    """The service's boto3 client (one per endpoint). `retries` switches botocore to its standard retry mode with
    that many retries after the first attempt (botocore's `max_attempts`); without it, botocore's defaults apply."""
    import boto3

    config = None
    if retries is not None:
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": retries})
    return boto3.client(service_name, endpoint_url=endpoint_url, config=config)


def dynamodb_client() -> "DynamoDBClient":
    return aws_client("dynamodb")


@cache
def opensearch_client() -> "OpenSearch":
    """One connection pool per container; signed with the function role's credentials in AWS."""
    import boto3
    from opensearchpy import OpenSearch, RequestsHttpConnection

    from shop.common.settings import opensearch_settings

    settings = opensearch_settings()
    auth = None
    if settings.opensearch_auth == "sigv4":
        from requests_aws4auth import AWS4Auth

        # Refreshable: the role's session credentials rotate while the container lives on.
        credentials = boto3.Session().get_credentials()
        auth = AWS4Auth(region=settings.aws_region, service="es", refreshable_credentials=credentials)
    return OpenSearch(
        hosts=[settings.opensearch_endpoint],
        http_auth=auth,
        use_ssl=settings.opensearch_endpoint.startswith("https://"),
        verify_certs=True,
        connection_class=RequestsHttpConnection,
        timeout=settings.request_timeout_seconds,
        # The stream trigger retries whole batches; retrying inside the client too only delays that.
        max_retries=0,
        http_compress=True,
    )
