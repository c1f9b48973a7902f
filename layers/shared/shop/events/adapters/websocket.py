"""Pushes to WebSocket connections through API Gateway's @connections management API."""

from typing import Any

from botocore.exceptions import ClientError

from shop.common.clients import aws_client
from shop.events.errors import ConnectionGone


def management_client(endpoint_url: str | None) -> Any:
    """In AWS the endpoint is the stage's URL (https://<api>.execute-api.<region>.amazonaws.com/<stage>); locally
    AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI names the local gateway's, and `endpoint_url` is None."""
    return aws_client("apigatewaymanagementapi", endpoint_url or None)


class ConnectionsApi:
    def __init__(self, endpoint_url: str | None) -> None:
        self.endpoint_url = endpoint_url

    def push(self, connection_id: str, data: bytes) -> None:
        client = management_client(self.endpoint_url)
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "GoneException":
                raise ConnectionGone(connection_id) from error
            raise
