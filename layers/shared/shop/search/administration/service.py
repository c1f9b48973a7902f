"""Search administration from inside the domain's VPC: the operators' runbooks and the deploy-time security set-up.

Two kinds of request reach the admin function:

- operator actions (`ensure`, `reindex`, `check`, `reconcile`), sent by `scripts/search_index.py --stack`:
  the indexing service runs against the table and the index, and the answer is a JSON summary;
- CloudFormation custom resource events (`Custom::SearchSecurity`): Create and Update map the functions'
  IAM roles to OpenSearch security roles and ensure the index; Delete leaves everything as it is.
  CloudFormation waits up to an hour for an answer on a pre-signed URL, so one is always sent: the outcome,
  a failure with its reason for any exception, or a failure shortly before the function would time out.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, field_validator

from shop.catalog.models import MalformedProduct, Product, ProductId
from shop.search.indexing.service import (
    IndexDrift,
    RebuildAborted,
    RebuildReport,
    ReconcileReport,
    compare_with_table,
    rebuild_index,
    reconcile_all,
    reconcile_products,
)
from shop.search.models import ALIAS
from shop.search.ports import AdminIndex, CatalogSource, EnsurableIndex, SecurityConfiguration

logger = Logger()

# --- Security roles: what each function may do in OpenSearch ---

INDEX_PATTERN = f"{ALIAS}*"  # the alias and every products-v<N> behind it
INDEXER_ROLE = "shop_indexer"
SEARCH_ROLE = "shop_search"
# Built in, never redefined here: only its mapping is ours.
ADMIN_ROLE = "all_access"

ROLE_DEFINITIONS: dict[str, dict[str, Any]] = {
    # The stream indexer: creates the index on its first batch (ensure), writes and deletes documents in
    # bulk. Alias management and refresh complete the index administration of its own pattern.
    INDEXER_ROLE: {
        "cluster_permissions": ["cluster_composite_ops"],
        "index_permissions": [
            {
                "index_patterns": [INDEX_PATTERN],
                "allowed_actions": ["crud", "create_index", "manage_aliases", "indices:admin/refresh*"],
            }
        ],
    },
    # GET /search: searches, reads nothing else and writes nothing.
    SEARCH_ROLE: {
        "cluster_permissions": ["cluster_composite_ops_ro"],
        "index_permissions": [{"index_patterns": [INDEX_PATTERN], "allowed_actions": ["read"]}],
    },
}

RoleArn = Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")]


class SecurityProperties(BaseModel):
    """The custom resource's properties (CloudFormation sends every value as a string or list of strings)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # CloudFormation's own properties, which it may pass along with ours.
    service_token: str | None = Field(default=None, alias="ServiceToken")
    service_timeout: str | int | None = Field(default=None, alias="ServiceTimeout")
    indexer_role_arn: RoleArn = Field(alias="IndexerRoleArn")
    search_role_arn: RoleArn = Field(alias="SearchRoleArn")
    admin_role_arn: RoleArn = Field(alias="AdminRoleArn")
    # People's roles (for OpenSearch Dashboards, or running the script from inside the VPC), with full access.
    operator_role_arns: list[RoleArn] = Field(default_factory=list, alias="OperatorRoleArns", max_length=20)
    # Not read: passed so that a replaced domain (a new endpoint) makes CloudFormation send an Update, which
    # configures the new domain, and so that the resource visibly depends on the domain.
    domain_endpoint: str | None = Field(default=None, alias="DomainEndpoint")
    # Changing it makes CloudFormation send an Update, which re-applies ROLE_DEFINITIONS after they changed.
    revision: str | None = Field(default=None, alias="Revision")

    @field_validator("operator_role_arns", mode="before")
    @classmethod
    def _without_blanks(cls, value: object) -> object:
        # A CommaDelimitedList parameter left empty arrives as [""] (or as "", through a !Join).
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            strings = [item.strip() if isinstance(item, str) else item for item in value]
            return [item for item in strings if item != ""]
        return value


def role_mappings(properties: SecurityProperties) -> dict[str, list[str]]:
    """Which IAM roles each security role is mapped to: exactly these, nothing else."""
    admins = list(dict.fromkeys([properties.admin_role_arn, *properties.operator_role_arns]))
    return {
        INDEXER_ROLE: [properties.indexer_role_arn],
        SEARCH_ROLE: [properties.search_role_arn],
        # The admin function is the domain's master user; mapping it too keeps its access whichever way
        # fine-grained access control was first set up (an internal master user, another ARN).
        ADMIN_ROLE: admins,
    }


SECURITY_ATTEMPTS = 5


def configure_security(
    properties: SecurityProperties,
    security: SecurityConfiguration,
    index: EnsurableIndex,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Define the roles, map them, then ensure the index; return what the custom resource reports."""
    for name, definition in ROLE_DEFINITIONS.items():
        _with_retries(partial(security.put_role, name, definition), sleep)
    mappings = role_mappings(properties)
    for name, backend_roles in mappings.items():
        _with_retries(partial(security.put_role_mapping, name, backend_roles), sleep)
    # Before any write: a first write through a missing alias would otherwise meet no index at all (the
    # indexer requires the alias), and nothing may create one by dynamic mapping.
    index_name = index.ensure()
    return {"Index": index_name, "MappedRoles": ",".join(mappings)}


def _with_retries(call: Callable[[], None], sleep: Callable[[float], None]) -> None:
    for attempt in range(SECURITY_ATTEMPTS):
        try:
            call()
            return
        except Exception as error:
            if not getattr(error, "retriable", False) or attempt == SECURITY_ATTEMPTS - 1:
                raise
            logger.warning("security API not ready, retrying", extra={"error": str(error), "attempt": attempt + 1})
            sleep(2.0 * 2**attempt)


# --- CloudFormation custom resource ---

# Seconds before the function's timeout at which a failure is sent if the work has not answered yet: the
# answer's own PUT attempts (shop.search.administration.cfn_response) fit in it.
ANSWER_RESERVE_SECONDS = 15.0
MAX_REASON_CHARS = 1000  # CloudFormation caps the whole answer at 4 KB


def is_custom_resource_event(event: Mapping[str, Any]) -> bool:
    return "RequestType" in event and "ResponseURL" in event


class _CustomResourceEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    request_type: Literal["Create", "Update", "Delete"] = Field(alias="RequestType")
    response_url: str = Field(min_length=1, alias="ResponseURL")
    stack_id: str = Field(min_length=1, alias="StackId")
    request_id: str = Field(min_length=1, alias="RequestId")
    logical_resource_id: str = Field(min_length=1, alias="LogicalResourceId")
    physical_resource_id: str | None = Field(default=None, alias="PhysicalResourceId")
    resource_properties: dict[str, Any] = Field(default_factory=dict, alias="ResourceProperties")


def _capped_reason(reason: str) -> str:
    """At most MAX_REASON_CHARS once JSON-encoded: a non-ASCII character takes up to 12 bytes there."""
    if len(json.dumps(reason)) <= MAX_REASON_CHARS:
        return reason
    kept = reason[:MAX_REASON_CHARS]
    while (excess := len(json.dumps(kept + "…")) - MAX_REASON_CHARS) > 0:
        kept = kept[: len(kept) - max(1, excess // 12)]
    return kept + "…"


@dataclass(frozen=True)
class CustomResourceAnswer:
    status: Literal["SUCCESS", "FAILED"]
    physical_resource_id: str
    reason: str = ""
    data: dict[str, str] = field(default_factory=dict)

    def body(self, event: Mapping[str, Any]) -> dict[str, Any]:
        reason = _capped_reason(self.reason)
        return {
            "Status": self.status,
            "Reason": reason or self.status,
            "PhysicalResourceId": self.physical_resource_id,
            # Echoed as received: CloudFormation matches the answer to its request by them.
            "StackId": event.get("StackId", ""),
            "RequestId": event.get("RequestId", ""),
            "LogicalResourceId": event.get("LogicalResourceId", ""),
            "NoEcho": False,
            "Data": self.data,
        }


def _physical_id(event: Mapping[str, Any]) -> str:
    # Kept from Create on, so that an Update never reads as a replacement (which would be followed by a Delete).
    given = event.get("PhysicalResourceId")
    return given if isinstance(given, str) and given else f"{event.get('LogicalResourceId') or 'SearchSecurity'}"


def decide_custom_resource(
    event: Mapping[str, Any],
    configure: Callable[[SecurityProperties], dict[str, str]],
    settings_error: str | None = None,
) -> CustomResourceAnswer:
    """What to answer CloudFormation. Never raises: every failure becomes a FAILED answer with its reason."""
    physical_id = _physical_id(event)
    try:
        request = _CustomResourceEvent.model_validate(event)
        if request.request_type == "Delete":
            # The roles and the index outlive the resource: the domain is deleted with the stack anyway, and
            # removing mappings of a live domain would cut the functions off from it.
            return CustomResourceAnswer("SUCCESS", physical_id, "nothing to delete")
        properties = SecurityProperties.model_validate(request.resource_properties)
    except ValidationError as error:
        return CustomResourceAnswer("FAILED", physical_id, f"invalid request: {_validation_summary(error)}")
    if settings_error is not None:
        return CustomResourceAnswer("FAILED", physical_id, f"the admin function is misconfigured: {settings_error}")
    try:
        data = configure(properties)
    except Exception as error:
        logger.exception("search security configuration failed")
        return CustomResourceAnswer("FAILED", physical_id, f"{type(error).__name__}: {error}")
    return CustomResourceAnswer("SUCCESS", physical_id, f"{request.request_type}: roles mapped, index ensured", data)


class _AnswerOnce:
    """The first answer wins; later ones (the work finishing after the timeout's answer) are dropped."""

    def __init__(self, event: Mapping[str, Any], send: Callable[[str, dict[str, Any]], None]) -> None:
        self._event = event
        self._send = send
        self._lock = threading.Lock()
        self.sent: CustomResourceAnswer | None = None
        self.delivered = False

    def __call__(self, answer: CustomResourceAnswer) -> None:
        with self._lock:
            if self.sent is not None:
                return
            self.sent = answer
            try:
                self._send(str(self._event["ResponseURL"]), answer.body(self._event))
                self.delivered = True
            except Exception:
                # Nothing else can reach CloudFormation; the log is all that is left.
                logger.exception("answer to CloudFormation not delivered", extra={"status": answer.status})


@dataclass(frozen=True)
class CustomResourceOutcome:
    answer: CustomResourceAnswer
    delivered: bool


def answer_custom_resource(
    event: Mapping[str, Any],
    *,
    configure: Callable[[SecurityProperties], dict[str, str]],
    send: Callable[[str, dict[str, Any]], None],
    seconds_left: Callable[[], float],
    settings_error: str | None = None,
    reserve_seconds: float = ANSWER_RESERVE_SECONDS,
) -> CustomResourceOutcome:
    """Do the custom resource's work and answer CloudFormation exactly once, in time whatever happens."""
    answer = _AnswerOnce(event, send)
    timeout = CustomResourceAnswer(
        "FAILED",
        _physical_id(event),
        "the admin function was about to time out before the search security configuration finished "
        "(is the domain reachable from the function's subnets?)",
    )
    watchdog = threading.Timer(max(0.0, seconds_left() - reserve_seconds), answer, args=(timeout,))
    watchdog.daemon = True
    watchdog.start()
    try:
        answer(decide_custom_resource(event, configure, settings_error))
    finally:
        watchdog.cancel()
    assert answer.sent is not None
    return CustomResourceOutcome(answer.sent, answer.delivered)


# --- Operator actions ---

MAX_RECONCILE_IDS = 10_000  # 400 KB of ids: far inside Lambda's 6 MB request limit
MAX_REASON_IN_RESULT = 300


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnsureAction(_Action):
    action: Literal["ensure"]


class ReindexAction(_Action):
    action: Literal["reindex"]


class CheckAction(_Action):
    action: Literal["check"]


class ReconcileAction(_Action):
    action: Literal["reconcile"]
    # Omitted: every product. An empty list is refused rather than read as either.
    ids: list[ProductId] | None = Field(default=None, min_length=1, max_length=MAX_RECONCILE_IDS)


AnyAction = EnsureAction | ReindexAction | CheckAction | ReconcileAction
_OPERATOR_ACTION: TypeAdapter[AnyAction] = TypeAdapter(Annotated[AnyAction, Field(discriminator="action")])
USAGE = '{"action": "ensure" | "reindex" | "check" | "reconcile"} (reconcile: optional "ids": [product ids])'


class DeadlineNear(Exception):
    """The function is close to its timeout: the work stopped so that it can still clean up and answer."""

    def __init__(self, seconds_left: float, products_read: int) -> None:
        super().__init__(f"stopped with {seconds_left:.0f} s left before the function's timeout")
        self.seconds_left = seconds_left
        self.products_read = products_read


class Deadline:
    """Checked between pages of the table: stops the work `margin_seconds` before the function's timeout."""

    def __init__(self, seconds_left: Callable[[], float], margin_seconds: float) -> None:
        self._seconds_left = seconds_left
        self._margin = margin_seconds
        self._lock = threading.Lock()
        self.products_read = 0

    def page_read(self, size: int) -> None:
        with self._lock:
            self.products_read += size
        left = self._seconds_left()
        if left < self._margin:
            raise DeadlineNear(left, self.products_read)


class _DeadlineBoundCatalog:
    """The table, read page by page under the deadline: every scan (copy, catch-up, check) stops in time."""

    def __init__(self, table: CatalogSource, deadline: Deadline) -> None:
        self._table = table
        self._deadline = deadline

    def get_many(self, product_ids: list[str]) -> dict[str, Product | MalformedProduct]:
        return self._table.get_many(product_ids)

    def scan_products(self, segment: int, total_segments: int) -> Iterator[list[Product | MalformedProduct]]:
        for page in self._table.scan_products(segment, total_segments):
            self._deadline.page_read(len(page))
            yield page


@dataclass(frozen=True)
class ActionResult:
    summary: dict[str, Any]
    # CloudWatch metrics to emit (name -> count).
    metrics: dict[str, int] = field(default_factory=dict)


def error_result(code: str, message: str, **details: Any) -> ActionResult:
    return ActionResult({"ok": False, "error": code, "message": message, **details})


def run_operator_event(
    event: Mapping[str, Any],
    *,
    table: CatalogSource,
    index: AdminIndex,
    deadline: Deadline,
    max_ids: int = 1000,
) -> ActionResult:
    """Validate an operator's event and run it. An invalid event does nothing and says what was wrong."""
    try:
        request = _OPERATOR_ACTION.validate_python(event)
    except ValidationError as error:
        return error_result(
            "invalid-request",
            f"expected {USAGE}: {_validation_summary(error)}",
            errors=[{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()[:20]],
        )
    bounded = _DeadlineBoundCatalog(table, deadline)
    match request:
        case EnsureAction():
            return ActionResult({"ok": True, "action": "ensure", "alias": index.alias, "index": index.ensure()})
        case ReindexAction():
            return _reindex(bounded, index, max_ids)
        case CheckAction():
            return _check(bounded, index, max_ids)
        case ReconcileAction(ids=None):
            return _reconcile_all(bounded, index, max_ids)
        case ReconcileAction(ids=ids):
            report = reconcile_products(sorted(set(ids or [])), table, index)
            return _reconcile_result(report, "ids", max_ids)
    raise AssertionError(f"unhandled action {request!r}")  # pragma: no cover


_LAMBDA_LIMIT_ADVICE = (
    "A Lambda invocation runs at most 15 minutes: if the catalog is too large for one, raise the function's "
    "memory (more CPU and network) or run `scripts/search_index.py` without --stack from a host inside the "
    "VPC, with a role mapped to all_access (docs/search.md, runbooks)."
)


def _current_or_none(index: AdminIndex) -> str | None:
    try:
        return index.current_index()
    except Exception:
        return None


def _reindex(table: CatalogSource, index: AdminIndex, max_ids: int) -> ActionResult:
    before = _current_or_none(index)
    try:
        result = rebuild_index(table, index)
    except RebuildAborted as aborted:
        return error_result(
            "rebuild-aborted", str(aborted), action="reindex", copied=_report_summary(aborted.copied, max_ids)
        )
    except DeadlineNear as near:
        after = _current_or_none(index)
        if after == before:
            where = f"the new index was dropped and the alias still points at {before or 'nothing'}"
        else:
            where = (
                f"the alias already points at the new index {after}, but the catch-up pass for writes made "
                "during the copy did not finish: run `reconcile --all`"
            )
        return error_result(
            "deadline",
            f"reindex {near} after reading {near.products_read} products; {where}. {_LAMBDA_LIMIT_ADVICE}",
            action="reindex",
            alias=after,
        )
    summary = {"action": "reindex", **_rebuild_summary(result, max_ids)}
    problems = any(report.failed or report.malformed for report in (result.copied, result.caught_up))
    return ActionResult(
        {"ok": not problems, **summary},
        {
            "ProductsReindexed": result.copied.indexed,
            "IndexWriteFailures": len(result.copied.failed) + len(result.caught_up.failed),
            "MalformedProducts": len(result.copied.malformed),
        },
    )


def _reconcile_all(table: CatalogSource, index: AdminIndex, max_ids: int) -> ActionResult:
    try:
        report = reconcile_all(table, index)
    except DeadlineNear as near:
        # Every write made so far is versioned and correct; a rerun picks up from the table again.
        return error_result(
            "deadline",
            f"reconcile {near} after reading {near.products_read} products; what was written stays valid. "
            + _LAMBDA_LIMIT_ADVICE,
            action="reconcile",
        )
    return _reconcile_result(report, "all", max_ids)


def _reconcile_result(report: ReconcileReport, scope: str, max_ids: int) -> ActionResult:
    return ActionResult(
        {
            "ok": not (report.failed or report.malformed),
            "action": "reconcile",
            "scope": scope,
            **_report_summary(report, max_ids),
        },
        {
            "ProductsReconciled": report.indexed + report.deleted,
            "IndexWriteFailures": len(report.failed),
            "MalformedProducts": len(report.malformed),
        },
    )


def _check(table: CatalogSource, index: AdminIndex, max_ids: int) -> ActionResult:
    try:
        drift = compare_with_table(table, index)
    except DeadlineNear as near:
        return error_result(
            "deadline", f"check {near} after reading {near.products_read} products. {_LAMBDA_LIMIT_ADVICE}"
        )
    return ActionResult(
        {"ok": drift.in_sync, "action": "check", **_drift_summary(drift, max_ids)},
        {"IndexMismatches": len(drift.missing) + len(drift.extra) + len(drift.stale)},
    )


# --- Summaries: counts always whole, lists capped (Lambda answers at most 6 MB) ---


def _capped_ids(ids: list[str], limit: int) -> dict[str, Any]:
    return {"count": len(ids), "ids": sorted(ids)[:limit], "truncated": len(ids) > limit}


def _capped_reasons(reasons: dict[str, str], limit: int) -> dict[str, Any]:
    kept = sorted(reasons.items())[:limit]
    return {
        "count": len(reasons),
        "items": {product_id: reason[:MAX_REASON_IN_RESULT] for product_id, reason in kept},
        "truncated": len(reasons) > limit,
    }


def _report_summary(report: ReconcileReport, limit: int) -> dict[str, Any]:
    return {
        "indexed": report.indexed,
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "failed": _capped_reasons(report.failed, limit),
        "malformed": _capped_reasons(report.malformed, limit),
    }


def _rebuild_summary(result: RebuildReport, limit: int) -> dict[str, Any]:
    return {
        "index": result.index,
        "previous": result.previous,
        "dropped": result.dropped,
        "copied": _report_summary(result.copied, limit),
        "caught_up": _report_summary(result.caught_up, limit),
    }


def _drift_summary(drift: IndexDrift, limit: int) -> dict[str, Any]:
    return {
        "in_sync": drift.in_sync,
        "table_count": drift.table_count,
        "index_count": drift.index_count,
        "missing": _capped_ids(drift.missing, limit),
        "extra": _capped_ids(drift.extra, limit),
        "stale": _capped_ids(drift.stale, limit),
        "malformed": _capped_ids(drift.malformed, limit),
    }


def _validation_summary(error: ValidationError) -> str:
    # Field locations and messages only: never the input, which for a custom resource holds the response URL.
    parts = [f"{'.'.join(str(part) for part in e['loc']) or 'event'}: {e['msg']}" for e in error.errors()[:5]]
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
