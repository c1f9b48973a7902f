"""The live-status WebSocket API's $connect authorizer (REQUEST): the same JWT as the REST API's, passed as the
query parameter `token`, because browsers cannot set headers on a WebSocket.

A missing, expired or foreign token is refused ("Unauthorized": API Gateway refuses the upgrade with 401). The
caller's id goes to the connection's context: every later event of the connection ($disconnect) carries it.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponseWebSocket,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_JWKS, count, logger, metrics
from shop.common.settings import token_settings
from shop.common.tokens import InvalidToken, verify_token

settings = token_settings()  # fails the cold start, not the first connection, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_JWKS)


# Never log_event, and never the response in a trace: the query string carries the token.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    token = (event.query_string_parameters or {}).get("token") or ""
    try:
        if not token:
            raise InvalidToken("no token in the query string")
        identity = verify_token(token, settings)
    except InvalidToken as error:
        logger.info("WebSocket token rejected", extra={"reason": str(error)})
        count("LiveAuthorizerDenied")
        raise Exception("Unauthorized") from None  # the message API Gateway turns into 401
    policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(
        event.method_arn, principal_id=identity.user_id, context={"user_id": identity.user_id}
    )
    policy.allow_all_routes()
    return policy.asdict()
