"""GET /products: the catalog, newest first, optionally one category, paginated by cursor."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.catalog.models import ProductPage
from shop.catalog.service import list_products
from shop.catalog.wiring import product_store
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler
from shop.common.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import cursor_signing_key, table_settings

# Fail the cold start, not the first request, when configuration is missing.
table_settings()
cursor_key = cursor_signing_key()
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver()


@app.get(
    "/products",
    **operation("List products", "catalog", answers(200, "A page of products", ProductPage, 400, 422), signed_in=False),
)
def read_products(
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> ProductPage:
    return list_products(product_store(), cursor_key, category=category, limit=limit, cursor=cursor)


lambda_handler = api_handler(
    app, tracer, capture_response=False
)  # a page of up to 100 products: too big for a trace segment
