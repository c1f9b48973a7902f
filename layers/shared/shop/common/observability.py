"""Logs, traces and metrics: the Powertools instances every function decorates its handler with, and the
shop's business metrics. An API function's handler is `api_handler(app, tracer)`, which is

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event, context): return app.resolve(event, context)

The template names the service (POWERTOOLS_SERVICE_NAME: the logs' `service` key and every metric's
`service` dimension) and the namespace (POWERTOOLS_METRICS_NAMESPACE) and turns X-Ray on (Tracing: Active).
Business metrics are counted once the fact is certain: after the service call returned, never for a request
that failed. Their dimensions are a few values of our own (a status, a problem type, a currency), never a
user or product id: each distinct value is a metric of its own, billed and kept as such.
"""

import os
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common import snapstart

DEFAULT_NAMESPACE = "Shop"

# What each function's Tracer patches (Tracer(patch_modules=...)). Patching imports the library at init,
# so a function patches only the clients it calls: botocore for DynamoDB, requests for OpenSearch, the
# standard library's HTTP client for the issuer's JWKS. X-Ray records their calls' targets and timings,
# never request or response bodies.
PATCHES_FOR_DYNAMODB = ("botocore",)
PATCHES_FOR_OPENSEARCH = ("requests",)
PATCHES_FOR_JWKS = ("httplib",)

# Without a namespace Powertools refuses to flush, and would fail an invocation whose work is already done;
# the template's own value wins whenever it is set.
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)
# Every function imports this module at init: its SnapStart hooks are registered then (shop.common.snapstart).
SNAPSTART_HOOKS_REGISTERED = snapstart.registered
# Reads publish no business metric, by design; Powertools would say so in the log of every new environment.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def count(name: str, value: float = 1, **dimension: str) -> None:
    """Add `value` to a business count, published when the handler returns. With a dimension (one
    low-cardinality value, such as `status="SHIPPED"`) it is published at once as a metric of its own, so
    that the dimension never spreads to the invocation's other metrics."""
    if not dimension:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    publish_metric(name, MetricUnit.Count, value, dimension)


def publish_metric(name: str, unit: MetricUnit, value: float, dimension: dict[str, str]) -> None:
    """Publish one metric now, with dimensions of its own (never spread to the invocation's other metrics)."""
    # Powertools adds the `service` dimension by itself, as it does to the handler's metrics.
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        for key, dimension_value in dimension.items():
            metric.add_dimension(name=key, value=dimension_value)


class Resolver(Protocol):
    def resolve(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]: ...


ApiHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def api_handler(app: Resolver, tracer: Tracer, *, capture_response: bool = True) -> ApiHandler:
    """An API function's `lambda_handler`: its resolver, wrapped by Logger (outermost, the API request id as
    correlation id), Tracer (`capture_response=False` where the answer is personal or too big for a trace
    segment) and Metrics (the cold-start metric)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=capture_response)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    decorated: ApiHandler = lambda_handler  # Powertools' decorators are untyped; the signature is the one above
    return decorated
