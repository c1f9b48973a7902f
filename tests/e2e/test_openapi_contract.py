"""Property-based contract test: schemathesis drives every operation of the app's own OpenAPI
document (openapi.json, generated from the handlers) against the local stack.

Bounded in examples and time per operation; passes only with zero 5xx and zero schema violations.
"""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
schema = schemathesis.openapi.from_path(REPO_ROOT / "openapi.json")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.timeout(120)  # per operation: the run is bounded in time as well as in examples
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_given_any_generated_request_when_sent_as_admin_then_no_5xx_and_responses_match_schema(case, stack, admin):
    case.call_and_validate(base_url=stack.url, headers=admin, checks=CHECKS, timeout=30)
