"""DELETE /products/{product_id} (admin): remove a product from the catalog."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.catalog.models import ProductPathId
from shop.catalog.service import delete_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.delete(
    "/products/<product_id>",
    **operation("Delete a product", "catalog", answers(204, "Deleted", None, 401, 403, 404)),
)
def remove_product(product_id: Annotated[ProductPathId, Path()]) -> Response[None]:
    delete_product(product_id, product_store())
    count("ProductsDeleted")
    return Response(status_code=HTTPStatus.NO_CONTENT)


lambda_handler = api_handler(app, tracer)
