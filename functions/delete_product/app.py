"""DELETE /products/{product_id} (admin): remove a product from the catalog."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import ADMIN_GROUP, BEARER, create_resolver, problem_docs
from shop.models import ProductPathId
from shop.observability import DYNAMODB, count, logger, metrics
from shop.services.products import delete_product
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
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
        ),
    },
)
def remove_product(product_id: Annotated[ProductPathId, Path()]) -> Response[None]:
    delete_product(product_id)
    count("ProductsDeleted")
    return Response(status_code=HTTPStatus.NO_CONTENT)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
