"""GET /health: liveness of the API path (gateway -> Lambda), touching no dependency."""

from typing import Literal

from aws_lambda_powertools import Tracer
from pydantic import BaseModel

from shop.common.observability import api_handler
from shop.common.resolver import create_resolver

tracer = Tracer(patch_modules=())  # it calls nothing
app = create_resolver()


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@app.get("/health", summary="Liveness check", tags=["ops"])
def health() -> Health:
    return Health()


lambda_handler = api_handler(app, tracer)
