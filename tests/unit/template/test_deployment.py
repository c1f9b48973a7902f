"""Gradual deployment: aliases, canaries rolled back by alarms; a template CloudFormation can order; the
environments' settings the functions accept."""

import json
import re
import tomllib

import pytest

from shop.common.cors import CorsSettings

from .helpers import API_FUNCTIONS, REPO_ROOT, SOURCE, listed, of_type, references, resources


@pytest.mark.parametrize("function", sorted(API_FUNCTIONS))
def test_given_api_function_then_traffic_shifts_by_canary_through_its_alias_and_rolls_back_on_alarms(function):
    alias = resources()[f"{function}Aliaslive"]
    assert alias["Properties"]["Name"] == "live"
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    group = resources()[update["DeploymentGroupName"]["Ref"]]["Properties"]
    assert "Canary10Percent5Minutes" in json.dumps(group["DeploymentConfigName"])
    assert group["DeploymentConfigName"]["Fn::If"][0] == "GradualDeployments"
    alarms = {a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]}
    assert {f"{function}FailuresAlarm", "ApiServerErrorsAlarm", "ApiLatencyAlarm"} <= alarms
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]


def test_given_api_routes_then_api_gateway_invokes_the_aliases():
    body = of_type("AWS::ApiGateway::RestApi")["ShopApi"]["Body"]
    uris = [
        operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        for operations in body["paths"].values()
        for operation in operations.values()
    ]
    assert uris and all(re.search(r"\$\{\w+Aliaslive\}", uri) for uri in uris)


def test_given_deployed_template_then_no_resource_depends_on_itself():
    everything = resources()
    graph = {
        name: (references(resource.get("Properties", {})) | set(listed(resource.get("DependsOn", []))))
        & everything.keys()
        for name, resource in everything.items()
    }

    def cycle_from(start: str) -> bool:
        stack, seen = [start], set()
        while stack:
            for successor in graph[stack.pop()]:
                if successor == start:
                    return True
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
        return False

    assert [name for name in graph if cycle_from(name)] == []


@pytest.mark.parametrize("environment", ["default", "staging", "prod"])
def test_given_each_environments_cors_origins_then_the_template_and_the_functions_both_accept_them(
    environment, monkeypatch
):
    overrides = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())[environment]["deploy"]["parameters"]
    (origins,) = [o.split("=", 1)[1] for o in overrides["parameter_overrides"] if o.startswith("CorsAllowedOrigins=")]
    assert re.fullmatch(SOURCE["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"], origins)
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", origins)
    assert CorsSettings().allowed_origins == origins.split(",")
