"""Readers of template.yaml for the template tests, grouped by concern in this package.

Two views: SOURCE is the template as written, after AWS::LanguageExtensions (Fn::ForEach expanded, as the local
stack and the diagram read it); deployed() is what CloudFormation receives after the SAM transform too (run
offline by scripts/transform_template.py in the SAM CLI's environment): the roles SAM writes with their managed
policies, the aliases and deployment groups, the event source mappings.
"""

import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from devstack.template import load_template, resources_of_type

REPO_ROOT = Path(__file__).resolve().parents[3]
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
SOURCE = load_template()
SOURCE_FUNCTIONS = resources_of_type(SOURCE, "AWS::Serverless::Function")
VPC_FUNCTIONS = {"IndexerFunction", "SearchFunction", "SearchAdminFunction"}
# Actions IAM accepts only on "*" (no resource-level permissions), each with why a function needs it.
UNSCOPABLE_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "dynamodb:ListStreams",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
WRITE_VERBS = ("Put", "Update", "Delete", "BatchWrite", "TransactWrite", "Create")


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return listed(policy_document["Statement"])


# --- the template as written ---------------------------------------------------------------------------------


def api_events() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for logical_id, properties in SOURCE_FUNCTIONS.items():
        for source in properties.get("Events", {}).values():
            if source["Type"] == "Api":
                yield logical_id, properties, source["Properties"]


API_FUNCTIONS = {logical_id for logical_id, _, _ in api_events()}


def function_statements(function: str) -> list[dict[str, Any]]:
    """The statements of a function's Policies: inline ones, and those of the template's managed policies it
    attaches (`!Ref SomeManagedPolicy`), as its role will hold them."""
    found = []
    for policy in SOURCE_FUNCTIONS[function].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            found += listed(policy["Statement"])
        elif isinstance(policy, dict) and set(policy) == {"Ref"}:
            managed = SOURCE["Resources"][policy["Ref"]]
            assert managed["Type"] == "AWS::IAM::ManagedPolicy", f"{function}: {policy} is not a managed policy"
            found += statements(managed["Properties"]["PolicyDocument"])
    return found


def dynamodb_actions(function: str) -> set[str]:
    return {a for s in function_statements(function) for a in listed(s["Action"]) if a.startswith("dynamodb:")}


def es_statements(function: str) -> list[dict[str, Any]]:
    return [s for s in function_statements(function) if any(a.startswith("es:") for a in listed(s["Action"]))]


# --- the template as CloudFormation receives it ----------------------------------------------------------------


@cache
def deployed() -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        pytest.fail(
            f"{SAM_PYTHON} is missing: run `make install` (the SAM transform runs in the SAM CLI's environment)"
        )
    result = subprocess.run(
        [str(SAM_PYTHON), str(REPO_ROOT / "scripts" / "transform_template.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def resources() -> dict[str, dict[str, Any]]:
    return deployed()["Resources"]  # type: ignore[no-any-return]


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r.get("Properties", {}) for name, r in resources().items() if r["Type"] == resource_type}


def lambda_functions() -> dict[str, dict[str, Any]]:
    return of_type("AWS::Lambda::Function")


def role_statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A role's inline statements and those of the stack's own managed policies it attaches."""
    for policy in role.get("Policies", []):
        yield from statements(policy["PolicyDocument"])
    for arn in role.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and set(arn) == {"Ref"} and arn["Ref"] in resources():
            yield from statements(resources()[arn["Ref"]]["Properties"]["PolicyDocument"])


def function_role(function: str) -> dict[str, Any]:
    return resources()[lambda_functions()[function]["Role"]["Fn::GetAtt"][0]]["Properties"]


def references(node: Any) -> set[str]:
    """Logical ids a fragment refers to, through Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(value, list):
                    found |= references(value[1])
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found
