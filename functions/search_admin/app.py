"""SearchAdminFunction: administers the search index from inside the domain's VPC.

Two callers. Operators, through `scripts/search_index.py --stack`, with {"action": "ensure" | "reindex" |
"check" | "reconcile", "ids": [...]}: the answer is a JSON summary, `ok` false on any problem. CloudFormation,
as the Custom::SearchSecurity resource: Create and Update map the functions' IAM roles to OpenSearch security
roles (this function's role is the domain's master user) and ensure the index; Delete does nothing. The
answer to CloudFormation goes to its pre-signed URL, always, and before this function's timeout.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from opensearchpy.exceptions import TransportError
from pydantic import ValidationError

from shop.common.errors import WriteConflict
from shop.common.observability import PATCHES_FOR_DYNAMODB, PATCHES_FOR_OPENSEARCH, logger, metrics
from shop.common.settings import opensearch_settings, search_admin_settings, table_settings
from shop.search.administration import service as search_admin
from shop.search.administration.cfn_response import put_response
from shop.search.wiring import catalog_source, search_index, search_security

# The answer to CloudFormation goes through urllib, untraced.
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB + PATCHES_FOR_OPENSEARCH)


def _settings_error() -> str | None:
    try:
        opensearch_settings()
        table_settings()
        search_admin_settings()
    except ValidationError as error:
        logger.exception("search admin settings are invalid")
        # Variable names and messages only: this text reaches CloudFormation's events and the operator.
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
    return None


# Validated at cold start, but kept rather than raised: a failed init would leave CloudFormation without an
# answer (and a stack waiting for an hour). Every invocation answers with it instead.
SETTINGS_ERROR = _settings_error()


def _configure(properties: search_admin.SecurityProperties) -> dict[str, str]:
    return search_admin.configure_security(properties, search_security(), search_index())


def _infrastructure_error(error: Exception) -> search_admin.ActionResult:
    """The index or the table did not answer: nothing is wrong with the request, retrying may help."""
    if isinstance(error, TransportError):
        logger.exception("search domain error", extra={"status": error.status_code})
        return search_admin.error_result("search-unavailable", f"OpenSearch: {error.status_code} {error.error}")
    if isinstance(error, WriteConflict):
        return search_admin.error_result("table-busy", str(error))
    logger.exception("table error")
    return search_admin.error_result("table-unavailable", f"DynamoDB: {error}")


def _run_operator_event(event: dict[str, Any], seconds_left: Callable[[], float]) -> search_admin.ActionResult:
    settings = search_admin_settings()
    try:
        return search_admin.run_operator_event(
            event,
            table=catalog_source(),
            index=search_index(),
            deadline=search_admin.Deadline(seconds_left, settings.deadline_margin_seconds),
            max_ids=settings.max_ids_in_result,
        )
    except (TransportError, WriteConflict, ClientError, BotoCoreError) as error:
        return _infrastructure_error(error)


@logger.inject_lambda_context
# Summaries can be large; the X-Ray segment carries none of them.
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    if search_admin.is_custom_resource_event(event):
        logger.info(
            "custom resource request",
            extra={"request_type": event.get("RequestType"), "logical_resource_id": event.get("LogicalResourceId")},
        )
        outcome = search_admin.answer_custom_resource(
            event,
            configure=_configure,
            send=put_response,
            seconds_left=seconds_left,
            settings_error=SETTINGS_ERROR,
        )
        answer = outcome.answer
        logger.info("custom resource answered", extra={"status": answer.status, "delivered": outcome.delivered})
        ok = answer.status == "SUCCESS" and outcome.delivered
        metrics.add_metric(name="SearchSecurityFailures", unit=MetricUnit.Count, value=0 if ok else 1)
        return {"ok": ok, "status": answer.status, "reason": answer.reason}

    if SETTINGS_ERROR is not None:
        result = search_admin.error_result("misconfigured", SETTINGS_ERROR)
    else:
        result = _run_operator_event(event, seconds_left)
    action = event.get("action") if isinstance(event, dict) else None
    logger.info("operator action", extra={"action": str(action)[:20], "ok": result.summary.get("ok")})
    # One per action, failed or not, so that an alarm on errors sees every run. Differences found by a check
    # or items an action could not write are not errors of the action: they have metrics of their own.
    metrics.add_metric(name="AdminActionErrors", unit=MetricUnit.Count, value=1 if "error" in result.summary else 0)
    for name, count in result.metrics.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    return result.summary
