"""The live-status WebSocket API's routes: $connect stores the connection under its (authorised) user, $disconnect
deletes it, $default answers that the socket only listens.

The user comes from the authorizer's context, which API Gateway gives every event of the connection; never
from the client.
"""

import json
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.events.settings import live_status_settings
from shop.events.wiring import connections

live_status_settings()  # fails the cold start when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)


def _user_of(event: APIGatewayWebSocketEvent) -> str | None:
    authorizer = event.request_context.get("authorizer") or {}
    user_id = authorizer.get("user_id") if isinstance(authorizer, dict) else None
    return user_id if isinstance(user_id, str) and user_id else None


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=APIGatewayWebSocketEvent)
def lambda_handler(event: APIGatewayWebSocketEvent, context: LambdaContext) -> dict[str, Any]:
    route = event.request_context.get("routeKey")
    connection_id = str(event.request_context.get("connectionId") or "")
    user_id = _user_of(event)
    if route == "$connect":
        if user_id is None or not connection_id:
            # The authorizer always sets it: without one, nothing may be stored for anybody.
            logger.error("$connect without an authorised user")
            return {"statusCode": 403}
        connections().add(user_id, connection_id)
        count("LiveConnections")
        return {"statusCode": 200}
    if route == "$disconnect":
        if user_id is not None and connection_id:
            connections().remove(user_id, connection_id)
        return {"statusCode": 200}
    # Shoppers only listen: a message gets an answer saying so, and changes nothing.
    return {"statusCode": 400, "body": json.dumps({"message": "this socket only sends order updates"})}
