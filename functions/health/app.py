"""GET /health: liveness of the API path (gateway -> Lambda), touching no dependency."""

from typing import Any, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shop.common.observability import logger, metrics
from shop.common.resolver import create_resolver

tracer = Tracer(patch_modules=())  # it calls nothing
app = create_resolver()


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@app.get("/health", summary="Liveness check", tags=["ops"])
def health() -> Health:
    return Health()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
