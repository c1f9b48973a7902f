"""Test-wide set-up: no real AWS reachable. (pyproject's `pythonpath` puts the shared layer and the repo's
tools on the path, as the layer is on Lambda's.)"""

import os

import pytest

# Fixed fake credentials and region: nothing a test does can reach a real account.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        # botocore 1.44 resolves account-id endpoints, which moto's in-process streams cannot serve.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "shop-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "ShopTests",
        # The web frontend's origin, as the template's default CorsAllowedOrigins.
        "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
        # No X-Ray daemon here: Tracer's decorators run, but send nothing.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(variable, None)


@pytest.fixture(scope="session")
def dev_issuer(tmp_path_factory):
    """The development token issuer, with a key of this test session's own."""
    from devstack.issuer import DevIssuer

    return DevIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="session")
def jwks_url(dev_issuer):
    """The dev issuer's JWKS, served over HTTP on a free port as Cognito serves a user pool's."""
    from devstack.common import free_port
    from devstack.issuer import JWKS_PATH, serve_jwks

    port = free_port()
    server = serve_jwks(dev_issuer, "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}{JWKS_PATH}"
    server.shutdown()
