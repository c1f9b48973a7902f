"""The search admin service with fakes: the custom resource's answers and mappings, and the operator actions."""

import copy
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from shop.search.administration import service as search_admin
from shop.search.administration.service import (
    ADMIN_ROLE,
    INDEXER_ROLE,
    ROLE_DEFINITIONS,
    SEARCH_ROLE,
    Deadline,
    SecurityProperties,
    answer_custom_resource,
    configure_security,
    run_operator_event,
)
from shop.search.indexing.service import SCAN_SEGMENTS
from shop.search.models import IndexProduct
from tests.doubles.catalog import FakeCatalog, product
from tests.doubles.search import FakeSearchIndex

EVENTS = Path(__file__).resolve().parents[3] / "events"
INDEXER_ARN = "arn:aws:iam::123456789012:role/shop-dev-IndexerFunctionRole-1A2B3C4D5E6F"
SEARCH_ARN = "arn:aws:iam::123456789012:role/shop-dev-SearchFunctionRole-6F5E4D3C2B1A"
ADMIN_ARN = "arn:aws:iam::123456789012:role/shop-dev-SearchAdminFunctionRole-0A1B2C3D4E5F"
OPERATOR_ARN = "arn:aws:iam::123456789012:role/search-operator"


def cfn_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"search_admin_{name}.json").read_text())


class RetriableError(Exception):
    retriable = True


class FakeSecurity:
    """Records each PUT; `fail` maps a call ("role shop_indexer", "mapping all_access") to errors to raise in turn."""

    def __init__(self) -> None:
        self.roles: dict[str, dict[str, Any]] = {}
        self.mappings: dict[str, list[str]] = {}
        self.calls: list[str] = []
        self.fail: dict[str, list[Exception]] = {}

    def _call(self, call: str) -> None:
        self.calls.append(call)
        errors = self.fail.get(call)
        if errors:
            raise errors.pop(0)

    def put_role(self, name: str, definition: dict[str, Any]) -> None:
        self._call(f"role {name}")
        self.roles[name] = copy.deepcopy(definition)

    def put_role_mapping(self, name: str, backend_roles: list[str]) -> None:
        self._call(f"mapping {name}")
        self.mappings[name] = list(backend_roles)


class AdminFakeIndex(FakeSearchIndex):
    """FakeSearchIndex plus what the admin service asks of an index besides rebuilding: ensure, current_index."""

    def __init__(self) -> None:
        super().__init__()
        self.ensured = 0
        self.ensure_error: Exception | None = None

    def ensure(self) -> str:
        self.ensured += 1
        if self.ensure_error is not None:
            raise self.ensure_error
        if self.target_of_alias is None:
            self.with_index("products-v1")
        assert self.target_of_alias is not None
        return self.target_of_alias

    def current_index(self) -> str:
        if self.target_of_alias is None:
            raise LookupError("no alias")
        return self.target_of_alias

    def untouched(self) -> bool:
        return self.ensured == 0 and not self.requests and not self.log


class Sent:
    """Stands in for the responder: the answers, by URL, in order."""

    def __init__(self, error: Exception | None = None) -> None:
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def __call__(self, url: str, body: dict[str, Any]) -> None:
        self.answers.append((url, body))
        if self.error is not None:
            raise self.error

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.answers) == 1, self.answers
        return self.answers[0][1]


def no_sleep(_: float) -> None:
    pass


def answer(
    event: dict[str, Any],
    security: FakeSecurity,
    index: AdminFakeIndex,
    sent: Sent,
    settings_error: str | None = None,
    seconds_left: float = 300.0,
) -> search_admin.CustomResourceOutcome:
    return answer_custom_resource(
        event,
        configure=lambda properties: configure_security(properties, security, index, sleep=no_sleep),
        send=sent,
        seconds_left=lambda: seconds_left,
        settings_error=settings_error,
    )


@pytest.fixture
def security() -> FakeSecurity:
    return FakeSecurity()


@pytest.fixture
def index() -> AdminFakeIndex:
    return AdminFakeIndex()


@pytest.fixture
def sent() -> Sent:
    return Sent()


# --- Custom resource: Create and Update apply, Delete touches nothing ---


def test_given_create_when_answered_then_exactly_the_three_mappings_with_the_functions_roles(security, index, sent):
    event = cfn_event("create")

    outcome = answer(event, security, index, sent)

    assert security.mappings == {
        INDEXER_ROLE: [INDEXER_ARN],
        SEARCH_ROLE: [SEARCH_ARN],
        ADMIN_ROLE: [ADMIN_ARN],
    }
    # Only our own roles are (re)defined; all_access is built in and only mapped.
    assert security.roles == ROLE_DEFINITIONS and set(security.roles) == {INDEXER_ROLE, SEARCH_ROLE}
    # Roles exist before anything is mapped to them.
    assert security.calls[:2] == [f"role {INDEXER_ROLE}", f"role {SEARCH_ROLE}"]
    assert index.ensured == 1 and index.target_of_alias == "products-v1"
    url, body = sent.answers[0]
    assert len(sent.answers) == 1 and url == event["ResponseURL"]
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "SearchSecurityConfiguration"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        event["StackId"],
        event["RequestId"],
        event["LogicalResourceId"],
    )
    assert body["Data"] == {"Index": "products-v1", "MappedRoles": f"{INDEXER_ROLE},{SEARCH_ROLE},{ADMIN_ROLE}"}
    assert outcome.delivered and outcome.answer.status == "SUCCESS"


def test_given_role_definitions_then_the_indexer_administers_and_the_search_function_only_reads_products():
    indexer = ROLE_DEFINITIONS[INDEXER_ROLE]
    searcher = ROLE_DEFINITIONS[SEARCH_ROLE]
    assert [p["index_patterns"] for p in indexer["index_permissions"]] == [["products*"]]
    assert set(indexer["index_permissions"][0]["allowed_actions"]) == {
        "crud",
        "create_index",
        "manage_aliases",
        "indices:admin/refresh*",
    }
    assert indexer["cluster_permissions"] == ["cluster_composite_ops"]  # bulk, aliases
    assert searcher["index_permissions"] == [{"index_patterns": ["products*"], "allowed_actions": ["read"]}]
    assert searcher["cluster_permissions"] == ["cluster_composite_ops_ro"]


def test_given_update_with_operator_roles_when_answered_then_they_join_all_access_and_the_id_is_kept(
    security, index, sent
):
    event = cfn_event("update")
    event["PhysicalResourceId"] = "kept-from-create"

    answer(event, security, index, sent)

    assert security.mappings == {
        INDEXER_ROLE: [INDEXER_ARN],
        SEARCH_ROLE: [SEARCH_ARN],
        ADMIN_ROLE: [ADMIN_ARN, OPERATOR_ARN],
    }
    assert sent.only["Status"] == "SUCCESS"
    assert sent.only["PhysicalResourceId"] == "kept-from-create"


def test_given_update_applied_twice_when_answered_then_the_same_puts_replace_the_same_configuration(
    security, index, sent
):
    answer(cfn_event("update"), security, index, sent)
    first = (copy.deepcopy(security.roles), copy.deepcopy(security.mappings), index.target_of_alias)
    answer(cfn_event("update"), security, index, sent)

    assert (security.roles, security.mappings, index.target_of_alias) == first
    assert [body["Status"] for _, body in sent.answers] == ["SUCCESS", "SUCCESS"]


def test_given_delete_when_answered_then_success_and_nothing_is_touched(security, index, sent):
    event = cfn_event("delete")

    answer(event, security, index, sent)

    assert security.calls == [] and index.untouched()
    assert sent.only["Status"] == "SUCCESS"
    assert sent.only["PhysicalResourceId"] == event["PhysicalResourceId"]


def test_given_delete_with_a_misconfigured_function_when_answered_then_success_all_the_same(security, index, sent):
    answer(cfn_event("delete"), security, index, sent, settings_error="OPENSEARCH_ENDPOINT: Field required")

    assert sent.only["Status"] == "SUCCESS" and security.calls == []


def test_given_delete_with_invalid_properties_when_answered_then_success(security, index, sent):
    event = cfn_event("delete")
    event["ResourceProperties"] = {"Bogus": "1"}

    answer(event, security, index, sent)

    assert sent.only["Status"] == "SUCCESS" and security.calls == []


def test_given_cloudformations_own_properties_then_accepted_beside_ours():
    properties = SecurityProperties.model_validate(
        {**cfn_event("create")["ResourceProperties"], "ServiceTimeout": "1800"}
    )
    assert properties.indexer_role_arn == INDEXER_ARN


@pytest.mark.parametrize("operators", [[""], "", ["", " "], []])
def test_given_blank_operator_roles_then_only_the_admin_function_has_all_access(operators):
    properties = SecurityProperties.model_validate(
        {**cfn_event("create")["ResourceProperties"], "OperatorRoleArns": operators}
    )
    assert search_admin.role_mappings(properties)[ADMIN_ROLE] == [ADMIN_ARN]


def test_given_operator_roles_that_are_not_strings_then_refused_not_crashed(security, index, sent):
    event = cfn_event("create")
    event["ResourceProperties"]["OperatorRoleArns"] = [42]

    answer(event, security, index, sent)

    assert sent.only["Status"] == "FAILED" and "OperatorRoleArns.0" in sent.only["Reason"]


def test_given_operator_roles_as_a_joined_string_then_each_is_mapped_once():
    properties = SecurityProperties.model_validate(
        {
            **cfn_event("create")["ResourceProperties"],
            "OperatorRoleArns": f"{OPERATOR_ARN}, {ADMIN_ARN},{OPERATOR_ARN}",
        }
    )
    assert search_admin.role_mappings(properties)[ADMIN_ROLE] == [ADMIN_ARN, OPERATOR_ARN]


# --- Custom resource: every failure answers FAILED with its reason ---


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"IndexerRoleArn": None}, "IndexerRoleArn"),
        ({"SearchRoleArn": "shop-dev-SearchFunctionRole"}, "SearchRoleArn: String should match pattern"),
        ({"AdminRoleArn": "arn:aws:iam::123456789012:user/alice"}, "AdminRoleArn"),
        ({"OperatorRoleArns": ["not-an-arn"]}, "OperatorRoleArns.0"),
        ({"IndexerRoleARN": INDEXER_ARN}, "IndexerRoleARN: Extra inputs are not permitted"),
    ],
)
def test_given_invalid_properties_when_created_then_failed_naming_the_property_and_nothing_touched(
    security, index, sent, change, reason
):
    event = cfn_event("create")
    properties = event["ResourceProperties"]
    for key, value in change.items():
        if value is None:
            properties.pop(key)
        else:
            properties[key] = value

    answer(event, security, index, sent)

    assert sent.only["Status"] == "FAILED"
    assert sent.only["Reason"].startswith("invalid request: ") and reason in sent.only["Reason"]
    assert security.calls == [] and index.untouched()


def test_given_a_misconfigured_function_when_created_then_failed_with_the_settings_error(security, index, sent):
    answer(cfn_event("create"), security, index, sent, settings_error="TABLE_NAME: Field required")

    assert sent.only["Status"] == "FAILED"
    assert "misconfigured: TABLE_NAME: Field required" in sent.only["Reason"]
    assert security.calls == [] and index.untouched()


def test_given_the_security_api_refuses_when_created_then_failed_with_its_reason_and_nothing_after_it(
    security, index, sent
):
    security.fail[f"role {SEARCH_ROLE}"] = [PermissionError("PUT roles/shop_search: 403 no permissions")]

    outcome = answer(cfn_event("create"), security, index, sent)

    assert sent.only["Status"] == "FAILED"
    assert sent.only["Reason"] == "PermissionError: PUT roles/shop_search: 403 no permissions"
    assert security.calls == [f"role {INDEXER_ROLE}", f"role {SEARCH_ROLE}"]
    assert security.mappings == {} and index.ensured == 0
    assert outcome.answer.status == "FAILED"


def test_given_ensuring_the_index_fails_when_created_then_failed_with_the_reason(security, index, sent):
    index.ensure_error = ConnectionError("cannot reach the domain")

    answer(cfn_event("create"), security, index, sent)

    assert sent.only["Status"] == "FAILED"
    assert sent.only["Reason"] == "ConnectionError: cannot reach the domain"


def test_given_a_domain_not_ready_yet_when_created_then_retried_with_backoff_until_it_answers(security, index):
    security.fail[f"mapping {ADMIN_ROLE}"] = [RetriableError("503 not initialised"), RetriableError("503")]
    pauses: list[float] = []
    properties = SecurityProperties.model_validate(cfn_event("create")["ResourceProperties"])

    data = configure_security(properties, security, index, sleep=pauses.append)

    assert pauses == [2.0, 4.0]
    assert security.calls.count(f"mapping {ADMIN_ROLE}") == 3
    assert security.mappings[ADMIN_ROLE] == [ADMIN_ARN] and data["Index"] == "products-v1"


def test_given_a_domain_that_never_becomes_ready_when_created_then_failed_after_the_last_attempt(security, index, sent):
    security.fail[f"role {INDEXER_ROLE}"] = [RetriableError(f"503 attempt {n}") for n in range(10)]

    answer(cfn_event("create"), security, index, sent)

    assert security.calls == [f"role {INDEXER_ROLE}"] * search_admin.SECURITY_ATTEMPTS
    assert sent.only["Status"] == "FAILED" and "503 attempt 4" in sent.only["Reason"]


def test_given_a_very_long_error_when_failed_then_the_reason_is_cut_to_fit_cloudformations_limit(security, index, sent):
    security.fail[f"role {INDEXER_ROLE}"] = [ValueError("x" * 10_000)]

    answer(cfn_event("create"), security, index, sent)

    encoded_reason = json.dumps(sent.only["Reason"])
    assert search_admin.MAX_REASON_CHARS - 12 < len(encoded_reason) <= search_admin.MAX_REASON_CHARS
    assert sent.only["Reason"].startswith("ValueError: xxx") and sent.only["Reason"].endswith("…")
    assert len(json.dumps(sent.only)) < 4096


def test_given_an_unknown_request_type_when_answered_then_failed(security, index, sent):
    event = {**cfn_event("create"), "RequestType": "Rollback"}

    answer(event, security, index, sent)

    assert sent.only["Status"] == "FAILED" and "RequestType" in sent.only["Reason"]
    assert security.calls == []


def test_given_an_event_without_stack_ids_when_answered_then_failed_is_still_sent(security, index, sent):
    event = {"RequestType": "Create", "ResponseURL": "https://example.invalid/answer"}

    answer(event, security, index, sent)

    assert sent.answers[0][0] == "https://example.invalid/answer"
    assert sent.only["Status"] == "FAILED" and "StackId" in sent.only["Reason"]
    # The reason names fields, never the values (the URL is a credential).
    assert "example.invalid" not in sent.only["Reason"]


def test_given_work_outlasting_the_function_when_answered_then_failed_before_the_timeout_and_only_once(index, sent):
    release = threading.Event()

    def stuck(_: SecurityProperties) -> dict[str, str]:
        # Still working when the watchdog answers; finishes afterwards, too late to be the answer.
        assert release.wait(10)
        return {"Index": "late"}

    def send(url: str, body: dict[str, Any]) -> None:
        sent(url, body)
        release.set()

    outcome = answer_custom_resource(
        cfn_event("create"), configure=stuck, send=send, seconds_left=lambda: 15.2, reserve_seconds=15.0
    )

    assert sent.only["Status"] == "FAILED" and "about to time out" in sent.only["Reason"]
    assert outcome.answer.status == "FAILED" and outcome.delivered


def test_given_no_time_left_at_all_when_answered_then_failed_at_once(index, sent):
    release = threading.Event()

    def stuck(_: SecurityProperties) -> dict[str, str]:
        assert release.wait(10)  # still working: only the watchdog can answer
        return {"Index": "late"}

    def send(url: str, body: dict[str, Any]) -> None:
        sent(url, body)
        release.set()

    answer_custom_resource(
        cfn_event("create"), configure=stuck, send=send, seconds_left=lambda: 1.0, reserve_seconds=15.0
    )

    assert len(sent.answers) == 1
    assert sent.only["Status"] == "FAILED"


@pytest.mark.parametrize("character", ["x", "é", "\u2603"])
def test_given_a_long_reason_when_answered_then_its_encoded_form_fits_cloudformations_limit(character):
    answer_ = search_admin.CustomResourceAnswer(status="FAILED", physical_resource_id="id", reason=character * 5000)
    encoded = json.dumps(answer_.body({})["Reason"])
    assert len(encoded) <= search_admin.MAX_REASON_CHARS
    assert len(encoded) > search_admin.MAX_REASON_CHARS // 2, "capped, not emptied"


def test_given_the_answer_cannot_be_delivered_then_the_outcome_says_so_without_raising(security, index):
    sent = Sent(error=OSError("no route to S3"))

    outcome = answer(cfn_event("create"), security, index, sent)

    assert len(sent.answers) == 1
    assert outcome.answer.status == "SUCCESS" and not outcome.delivered


def test_given_custom_resource_and_operator_events_then_each_is_recognised():
    assert search_admin.is_custom_resource_event(cfn_event("create"))
    assert search_admin.is_custom_resource_event(cfn_event("delete"))
    assert not search_admin.is_custom_resource_event({"action": "check"})
    assert not search_admin.is_custom_resource_event({"RequestType": "Create"})


# --- Operator actions ---


class Clock:
    """Seconds left, as the deadline reads them: plenty for `pages` reads, then none."""

    def __init__(self, pages: int | None = None) -> None:
        self.pages = pages
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return 900.0 if self.pages is None or self.reads <= self.pages else 10.0


def run(event: Any, catalog: FakeCatalog, index: AdminFakeIndex, clock: Clock | None = None, max_ids: int = 1000):
    return run_operator_event(
        event,
        table=catalog,
        index=index,
        deadline=Deadline(clock or Clock(), margin_seconds=60),
        max_ids=max_ids,
    )


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()


@pytest.mark.parametrize(
    ("event", "hint"),
    [
        ({}, "action"),
        ({"action": "drop"}, "'drop'"),
        ({"action": "reconcile", "ids": []}, "ids: List should have at least 1 item"),
        ({"action": "reconcile", "ids": ["not-a-uuid"]}, "ids.0"),
        ({"action": "check", "ids": [str(uuid.uuid4())]}, "ids: Extra inputs are not permitted"),
        ({"action": "reindex", "force": True}, "force"),
        (["reindex"], "valid dictionary"),
        ("reindex", "valid dictionary"),
    ],
)
def test_given_an_invalid_operator_event_when_run_then_a_clear_error_and_nothing_done(catalog, index, event, hint):
    catalog.add(product())
    index.with_index()
    index.log.clear()

    result = run(event, catalog, index)

    assert result.summary["ok"] is False and result.summary["error"] == "invalid-request"
    assert result.summary["message"].startswith('expected {"action": "ensure" | "reindex"')
    assert hint in result.summary["message"] + json.dumps(result.summary["errors"])
    assert result.metrics == {}
    assert index.requests == [] and index.log == [] and index.ensured == 0
    assert index.indices() == ["products-v1"]


def test_given_too_many_ids_when_reconciling_then_refused(catalog, index):
    ids = [str(uuid.uuid4()) for _ in range(search_admin.MAX_RECONCILE_IDS + 1)]

    result = run({"action": "reconcile", "ids": ids}, catalog, index)

    assert result.summary["error"] == "invalid-request" and index.requests == []


def test_given_no_index_when_ensured_then_created_behind_the_alias(catalog, index):
    result = run({"action": "ensure"}, catalog, index)

    assert result.summary == {"ok": True, "action": "ensure", "alias": "products", "index": "products-v1"}


def test_given_a_catalog_when_reindexed_then_a_new_index_behind_the_alias_and_a_summary(catalog, index):
    products = [catalog.add(product()) for _ in range(7)]
    index.with_index()

    result = run({"action": "reindex"}, catalog, index)

    summary = result.summary
    assert summary["ok"] is True and summary["action"] == "reindex"
    assert (summary["index"], summary["previous"], summary["dropped"]) == ("products-v2", "products-v1", [])
    assert summary["copied"]["indexed"] == 7 and summary["copied"]["failed"] == {
        "count": 0,
        "items": {},
        "truncated": False,
    }
    assert set(index.documents()) == {p.id for p in products}
    assert result.metrics == {"ProductsReindexed": 7, "IndexWriteFailures": 0, "MalformedProducts": 0}


def test_given_a_malformed_item_when_reindexed_then_not_ok_and_named(catalog, index):
    catalog.add(product())
    bad = catalog.add_malformed(str(uuid.uuid4()))
    index.with_index()

    result = run({"action": "reindex"}, catalog, index)

    assert result.summary["ok"] is False
    assert list(result.summary["copied"]["malformed"]["items"]) == [bad.id]
    assert result.metrics["MalformedProducts"] == 1


def test_given_products_the_index_refuses_when_reindexed_then_aborted_and_the_alias_left_alone(catalog, index):
    refused = catalog.add(product())
    catalog.add(product())
    index.with_index()
    index.fail[refused.id] = "cluster_block_exception"

    result = run({"action": "reindex"}, catalog, index)

    assert result.summary["ok"] is False and result.summary["error"] == "rebuild-aborted"
    assert result.summary["copied"]["failed"]["items"] == {refused.id: "403 cluster_block_exception"}
    assert index.target_of_alias == "products-v1" and index.indices() == ["products-v1"]


def pages_of(catalog: FakeCatalog) -> int:
    return sum(len(list(catalog.scan_products(segment, SCAN_SEGMENTS))) for segment in range(SCAN_SEGMENTS))


def test_given_the_deadline_during_the_copy_when_reindexing_then_the_new_index_is_dropped_and_the_alias_kept(
    catalog, index
):
    for _ in range(30):
        catalog.add(product())
    index.with_index()

    result = run({"action": "reindex"}, catalog, index, Clock(pages=2))

    summary = result.summary
    assert summary["ok"] is False and summary["error"] == "deadline"
    assert "the new index was dropped and the alias still points at products-v1" in summary["message"]
    assert "15 minutes" in summary["message"]
    assert index.indices() == ["products-v1"] and index.target_of_alias == "products-v1"
    assert summary["alias"] == "products-v1"


def test_given_the_deadline_during_the_catch_up_when_reindexing_then_told_to_reconcile(catalog, index):
    for _ in range(30):
        catalog.add(product())
    index.with_index()

    result = run({"action": "reindex"}, catalog, index, Clock(pages=pages_of(catalog) + 1))

    summary = result.summary
    assert summary["error"] == "deadline" and summary["alias"] == "products-v2"
    assert "already points at the new index products-v2" in summary["message"]
    assert "reconcile --all" in summary["message"]


def test_given_an_index_in_sync_when_checked_then_ok(catalog, index):
    index.with_index()
    for _ in range(3):
        catalog.add(product())
    run({"action": "reconcile"}, catalog, index)

    result = run({"action": "check"}, catalog, index)

    assert result.summary["ok"] is True and result.summary["in_sync"] is True
    assert (result.summary["table_count"], result.summary["index_count"]) == (3, 3)
    assert result.metrics == {"IndexMismatches": 0}


def test_given_drift_when_checked_then_each_kind_listed_capped_and_counted(catalog, index):
    index.with_index()
    stale = catalog.add(product(version=2))
    index.write([IndexProduct(stale.model_copy(update={"version": 1}))])
    missing = sorted(catalog.add(product()).id for _ in range(3))
    extra = product()
    index.write([IndexProduct(extra)])
    malformed = catalog.add_malformed(str(uuid.uuid4()))

    result = run({"action": "check"}, catalog, index, max_ids=2)

    summary = result.summary
    assert summary["ok"] is False and summary["in_sync"] is False
    assert summary["missing"] == {"count": 3, "ids": missing[:2], "truncated": True}
    assert summary["extra"] == {"count": 1, "ids": [extra.id], "truncated": False}
    assert summary["stale"] == {"count": 1, "ids": [stale.id], "truncated": False}
    assert summary["malformed"] == {"count": 1, "ids": [malformed.id], "truncated": False}
    assert result.metrics == {"IndexMismatches": 5}


def test_given_the_deadline_when_checking_then_an_error_not_a_partial_answer(catalog, index):
    for _ in range(30):
        catalog.add(product())
    index.with_index()

    result = run({"action": "check"}, catalog, index, Clock(pages=1))

    assert result.summary["ok"] is False and result.summary["error"] == "deadline"
    assert "in_sync" not in result.summary


def test_given_drift_when_reconciling_all_then_equal_to_the_table(catalog, index):
    index.with_index()
    kept = [catalog.add(product()) for _ in range(4)]
    gone = product()
    index.write([IndexProduct(gone)])

    result = run({"action": "reconcile"}, catalog, index)

    assert result.summary["ok"] is True and result.summary["scope"] == "all"
    assert (result.summary["indexed"], result.summary["deleted"]) == (4, 1)
    assert set(index.documents()) == {p.id for p in kept}
    assert result.metrics == {"ProductsReconciled": 5, "IndexWriteFailures": 0, "MalformedProducts": 0}


def test_given_the_deadline_when_reconciling_all_then_an_error_saying_what_was_written_stays(catalog, index):
    for _ in range(30):
        catalog.add(product())
    index.with_index()

    result = run({"action": "reconcile"}, catalog, index, Clock(pages=1))

    assert result.summary["error"] == "deadline" and "stays valid" in result.summary["message"]


def test_given_ids_when_reconciling_then_only_those_products_once_each(catalog, index):
    index.with_index()
    wanted = catalog.add(product())
    other = catalog.add(product())

    result = run({"action": "reconcile", "ids": [wanted.id, wanted.id]}, catalog, index)

    assert result.summary["ok"] is True and result.summary["scope"] == "ids"
    assert result.summary["indexed"] == 1
    assert set(index.documents()) == {wanted.id} and other.id not in index.documents()


def test_given_ids_the_index_refuses_when_reconciling_then_not_ok_with_the_reasons(catalog, index):
    index.with_index()
    refused = catalog.add(product())
    index.fail[refused.id] = "forbidden"

    result = run({"action": "reconcile", "ids": [refused.id]}, catalog, index)

    assert result.summary["ok"] is False
    assert result.summary["failed"] == {"count": 1, "items": {refused.id: "403 forbidden"}, "truncated": False}
    assert result.metrics["IndexWriteFailures"] == 1
