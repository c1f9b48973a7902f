"""Prints the API's OpenAPI document, merged from every function's own resolver (Powertools).

Each function declares its route, models and responses; this stitches them into one document, so
the contract cannot drift from the code. `make openapi` writes it to openapi.json; a test keeps the
committed file current, and schemathesis tests the local stack against it.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Importing a handler is a cold start: give the settings models something to validate.
IMPORT_ENVIRONMENT = {
    "TABLE_NAME": "openapi",
    "IDEMPOTENCY_TABLE_NAME": "openapi-idempotency",
    "CURSOR_SIGNING_KEY": "openapi-generation-only-cursor-key",
    "JWT_ISSUER": "openapi",
    "JWT_AUDIENCE": "openapi",
    "JWKS_URL": "http://127.0.0.1/jwks.json",
    "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9200",
    "OPENSEARCH_AUTH": "none",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "shop",
    "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
}


def openapi_json() -> str:
    for name, value in IMPORT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    sys.path[:0] = [str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT)]
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    merge = OpenAPIMerge(
        title="Shop API",
        version="1.0.0",
        description="Serverless shop backend. Errors are RFC 9457 problem details (application/problem+json).",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        on_conflict="error",
    )
    for code_dir in api_function_dirs():
        merge.add_file(code_dir / "app.py")
    return merge.get_openapi_json_schema()


def api_function_dirs() -> list[Path]:
    """Code dirs of the template's functions that serve API events (the authorizer serves none)."""
    from devstack.template import load_template, resources_of_type

    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    return sorted(
        REPO_ROOT / properties["CodeUri"]
        for properties in functions.values()
        if any(source.get("Type") == "Api" for source in properties.get("Events", {}).values())
    )


if __name__ == "__main__":
    print(openapi_json())
