"""Lambda TOKEN authorizer: verifies the bearer JWT and hands the caller's identity to the routes.

The policy allows every route of the API: API Gateway caches it per token, so a policy naming only
the first route called would deny the same token elsewhere. Group rules are decided by each route.
"""

import json
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerTokenEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_JWKS, count, logger, metrics
from shop.common.settings import token_settings
from shop.common.tokens import InvalidToken, bearer_token, verify_token

settings = token_settings()  # fails the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_JWKS)


# Never log_event, and never the response in a trace: the event carries the token, the policy the caller's
# identity. TOKEN events carry no request id; should the authorizer become a REQUEST one, its id correlates.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=APIGatewayAuthorizerTokenEvent)
def lambda_handler(event: APIGatewayAuthorizerTokenEvent, context: LambdaContext) -> dict[str, Any]:
    try:
        identity = verify_token(bearer_token(event.authorization_token), settings)
    except InvalidToken as error:
        logger.info("token rejected", extra={"reason": str(error)})
        count("AuthorizerDenied")
        # The one error message API Gateway turns into 401 Unauthorized.
        raise Exception("Unauthorized") from None
    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=identity.user_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        # Context values must be strings: the groups go as a JSON list, which no group name can break.
        context={"user_id": identity.user_id, "groups": json.dumps(identity.groups)},
    )
    policy.allow_all_routes()
    return policy.asdict()
