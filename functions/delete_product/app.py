"""DELETE /products/{product_id} (admin): remove a product from the catalog."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.catalog.models import ProductId
from shop.catalog.service import delete_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import problem_docs
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.delete(
    "/products/<product_id>",
    summary="Delete a product",
    tags=["catalog"],
    security=BEARER,
    responses={
        204: {"description": "Deleted"},
        **problem_docs(
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
def remove_product(product_id: Annotated[ProductId, Path()]) -> Response[None]:
    delete_product(product_id, product_store())
    count("ProductsDeleted")
    return Response(status_code=HTTPStatus.NO_CONTENT)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
