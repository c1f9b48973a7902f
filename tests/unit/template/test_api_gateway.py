"""The API's edge: its routes and who may call them, TLS, throttling, access logs, the WAF, CORS, the user pool."""

import json
import re

import pytest

from shop.common.cors import ROUTE_METHODS

from .helpers import SOURCE, api_events, of_type, resources

API = SOURCE["Resources"]["ShopApi"]["Properties"]
ADMIN_ROUTES = {("POST", "/products"), ("PATCH", "/products/{product_id}"), ("DELETE", "/products/{product_id}")}
# Every cart and order route needs a signed-in caller (the status route an admin).
SIGNED_IN_ROUTES = {
    ("GET", "/cart"),
    ("PUT", "/cart/items/{product_id}"),
    ("DELETE", "/cart/items/{product_id}"),
    ("POST", "/orders"),
    ("GET", "/orders"),
    ("GET", "/orders/{order_id}"),
    ("POST", "/orders/{order_id}/cancel"),
    ("PUT", "/orders/{order_id}/status"),
}


@pytest.mark.parametrize("response_type", sorted(API["GatewayResponses"]))
def test_given_gateway_response_then_problem_json_whose_status_is_the_responses_readable_cross_origin(response_type):
    response = API["GatewayResponses"][response_type]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body["status"] == response["StatusCode"]
    assert body["type"] and body["title"] and body["detail"]
    assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'"
    # Readable by the storefront's page (a 401 signs the user out), as by any: the gateway's answers carry no data.
    assert response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"] == "'*'"


def test_given_api_events_then_exactly_the_admin_and_signed_in_routes_use_the_user_pool_authorizer():
    guarded = {
        (event["Method"], event["Path"])
        for _, _, event in api_events()
        if event.get("Auth", {}).get("Authorizer") == "TokenAuthorizer"
    }
    assert guarded == ADMIN_ROUTES | SIGNED_IN_ROUTES


def test_given_signed_in_routes_then_the_user_pools_own_authorizer_verifies_the_token_without_a_function():
    [authorizer] = of_type("AWS::ApiGateway::RestApi")["ShopApi"]["Body"]["components"]["securitySchemes"].values()
    assert authorizer["name"] == "Authorization" and authorizer["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [{"Fn::GetAtt": ["UserPool", "Arn"]}],
    }
    assert "AWS::ApiGateway::Authorizer" not in {resource["Type"] for resource in resources().values()}


def test_given_user_pool_then_one_app_client_and_no_group_name_with_a_comma():
    # The authorizer takes any ID token the pool signed: with one client, that is a token for this client. And the
    # routes read the groups from the claim API Gateway joins with commas: a comma in a name would split it.
    clients = of_type("AWS::Cognito::UserPoolClient").values()
    assert [client["UserPoolId"] for client in clients] == [{"Ref": "UserPool"}]
    groups = [group["GroupName"] for group in of_type("AWS::Cognito::UserPoolGroup").values()]
    assert groups and all("," not in name for name in groups)


def stage() -> dict:
    return of_type("AWS::ApiGateway::Stage")["ShopApiv1Stage"]


def test_given_api_then_regional_with_tls_1_2_at_least_and_strict_endpoint_access():
    api = of_type("AWS::ApiGateway::RestApi")["ShopApi"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["SecurityPolicy"].startswith("SecurityPolicy_TLS13_1_2")
    assert api["EndpointAccessMode"] == "STRICT"
    # One stage, v1: SAM's extra "Stage" stage would bypass the WAF, the throttling and the logs.
    assert [stage["StageName"] for stage in of_type("AWS::ApiGateway::Stage").values()] == ["v1"]
    assert all("StageName" not in d for d in of_type("AWS::ApiGateway::Deployment").values())


def test_given_api_stage_then_throttled_overall_and_tighter_on_costly_routes():
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in stage()["MethodSettings"]}
    overall = settings[("/*", "*")]
    assert overall["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert overall["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert overall["DataTraceEnabled"] is False, "full request logging would write tokens and bodies to logs"
    default_rate = SOURCE["Parameters"]["ApiThrottlingRateLimit"]["Default"]
    for route in (("/~1orders", "POST"), ("/~1search", "GET"), ("/~1products", "POST")):
        assert settings[route]["ThrottlingRateLimit"] < default_rate, route


def test_given_api_stage_then_access_logged_as_json_and_traced():
    v1 = stage()
    assert v1["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(v1["AccessLogSetting"]["Format"])
    assert {"requestId", "ip", "status", "latencyMs", "wafStatus", "xrayTraceId"} <= set(fields)
    assert v1["TracingEnabled"] is True
    assert of_type("AWS::ApiGateway::Account"), "API Gateway writes logs only through the account's role"
    # The stage (through its deployment and the API) is created only once that role is set.
    assert resources()["ShopApi"]["DependsOn"] == "ApiGatewayAccount"
    assert v1["DeploymentId"]["Ref"] in resources() and v1["RestApiId"] == {"Ref": "ShopApi"}


def test_given_web_acl_then_aws_managed_rule_groups_guard_the_stage():
    acl = of_type("AWS::WAFv2::WebACL")["WebAcl"]
    assert acl["Scope"] == "REGIONAL"
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
    assert any("RateBasedStatement" in rule["Statement"] for rule in acl["Rules"])
    (association,) = of_type("AWS::WAFv2::WebACLAssociation").values()
    assert association["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert "/stages/${ShopApiv1Stage}" in association["ResourceArn"]["Fn::Sub"]
    (logging,) = of_type("AWS::WAFv2::LoggingConfiguration").values()
    assert {"SingleHeader": {"Name": "authorization"}} in logging["RedactedFields"]


def test_given_cors_then_origins_come_from_a_parameter_and_every_route_answers_preflight():
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}
    served: dict[str, set[str]] = {}
    for _, _, event in api_events():
        path = re.sub(r"\{(\w+)\}", r"<\1>", event["Path"])
        served.setdefault(path, set()).add(event["Method"])
    assert all("OPTIONS" in methods for methods in served.values()), "a route without preflight"
    assert {path: tuple(sorted(methods - {"OPTIONS"})) for path, methods in served.items()} == ROUTE_METHODS


def test_given_user_pool_then_sane_password_policy_and_an_admin_group():
    pool = of_type("AWS::Cognito::UserPool")["UserPool"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert of_type("AWS::Cognito::UserPoolGroup")["AdminGroup"]["GroupName"] == "admin"
    client = of_type("AWS::Cognito::UserPoolClient")["UserPoolClient"]
    assert client["GenerateSecret"] is False and client["PreventUserExistenceErrors"] == "ENABLED"
