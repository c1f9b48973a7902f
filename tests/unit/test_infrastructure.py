"""Production infrastructure (issue 5), asserted on the template as CloudFormation receives it.

The SAM transform runs offline (scripts/transform_template.py, in the SAM CLI's environment), so these tests see
what `sam deploy` would create: the roles SAM writes with their managed policies, the aliases and deployment
groups, the event source mappings. A reviewer's checklist: network, encryption, least privilege, API edge,
observability, gradual deployment.
"""

import json
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.template import load_template
from shop.common.cors import ROUTE_METHODS, CorsSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"
SOURCE = load_template()
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


def _transform() -> dict[str, Any]:
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
    return json.loads(result.stdout)


DEPLOYED = _transform()
RESOURCES: dict[str, dict[str, Any]] = DEPLOYED["Resources"]


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r.get("Properties", {}) for name, r in RESOURCES.items() if r["Type"] == resource_type}


FUNCTIONS = of_type("AWS::Lambda::Function")
API_FUNCTIONS = {
    name
    for name, resource in SOURCE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
    and any(event["Type"] == "Api" for event in resource["Properties"].get("Events", {}).values())
}


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return listed(policy_document["Statement"])


def role_statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in role.get("Policies", []):
        yield from statements(policy["PolicyDocument"])


def function_role(function: str) -> dict[str, Any]:
    return RESOURCES[FUNCTIONS[function]["Role"]["Fn::GetAtt"][0]]["Properties"]


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


# --- Network ---


def test_given_vpc_then_two_private_subnets_in_different_zones_and_no_way_to_the_internet():
    subnets = of_type("AWS::EC2::Subnet")
    assert len(subnets) == 2
    zones = sorted(subnet["AvailabilityZone"]["Fn::Select"][0] for subnet in subnets.values())
    assert zones == [0, 1]
    assert all(subnet["MapPublicIpOnLaunch"] is False for subnet in subnets.values())
    kinds = {resource["Type"] for resource in RESOURCES.values()}
    assert not kinds & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::Route", "AWS::EC2::EIP"}


def test_given_gateway_endpoints_then_dynamodb_is_reachable_from_the_private_route_table_and_only_the_shop_table():
    endpoints = of_type("AWS::EC2::VPCEndpoint")
    dynamodb = next(e for e in endpoints.values() if e["ServiceName"]["Fn::Sub"].endswith(".dynamodb"))
    assert dynamodb["VpcEndpointType"] == "Gateway"
    assert dynamodb["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]
    assert [s["Resource"] for s in statements(dynamodb["PolicyDocument"])] == [{"Fn::GetAtt": ["ShopTable", "Arn"]}]
    assert all(e["VpcEndpointType"] == "Gateway" for e in endpoints.values()), "interface endpoints cost by the hour"


def test_given_search_domain_security_group_then_it_accepts_only_https_from_the_search_clients():
    group = of_type("AWS::EC2::SecurityGroup")["SearchDomainSecurityGroup"]
    assert group["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Ref": "SearchClientSecurityGroup"},
            "Description": "HTTPS from the search clients",
        }
    ]
    (egress,) = group["SecurityGroupEgress"]
    assert egress["CidrIp"] == "127.0.0.1/32", "the domain initiates nothing"
    assert not of_type("AWS::EC2::SecurityGroupIngress"), "no ingress rule may be added elsewhere"


def test_given_search_client_security_group_then_it_sends_only_https():
    group = of_type("AWS::EC2::SecurityGroup")["SearchClientSecurityGroup"]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in group["SecurityGroupEgress"]] == [("tcp", 443, 443)]
    assert "SecurityGroupIngress" not in group


def test_given_functions_then_exactly_the_search_ones_run_in_the_vpc_with_the_client_group():
    in_vpc = {name for name, function in FUNCTIONS.items() if "VpcConfig" in function}
    assert in_vpc == VPC_FUNCTIONS
    for name in in_vpc:
        config = FUNCTIONS[name]["VpcConfig"]
        assert config["SecurityGroupIds"] == [{"Ref": "SearchClientSecurityGroup"}]
        assert config["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]


def test_given_vpc_then_rejected_traffic_is_logged():
    (flow_log,) = of_type("AWS::EC2::FlowLog").values()
    assert flow_log["ResourceId"] == {"Ref": "Vpc"}
    assert flow_log["LogGroupName"] == {"Ref": "FlowLogGroup"}


# --- Search domain ---

DOMAIN = of_type("AWS::OpenSearchService::Domain")["SearchDomain"]


def test_given_search_domain_then_only_in_the_vpc_behind_its_security_group():
    assert DOMAIN["VPCOptions"] == {
        "SubnetIds": [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
        "SecurityGroupIds": [{"Ref": "SearchDomainSecurityGroup"}],
    }


def test_given_search_domain_then_current_engine_spread_over_two_zones_with_sizes_as_parameters():
    version = SOURCE["Parameters"]["SearchEngineVersion"]["Default"]
    assert DOMAIN["EngineVersion"] == {"Ref": "SearchEngineVersion"}
    assert tuple(int(part) for part in version.removeprefix("OpenSearch_").split(".")) >= (3, 3)
    cluster = DOMAIN["ClusterConfig"]
    assert cluster["ZoneAwarenessEnabled"] is True
    assert cluster["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 2}
    assert cluster["InstanceType"] == {"Ref": "SearchInstanceType"}
    assert cluster["InstanceCount"] == {"Ref": "SearchInstanceCount"}
    assert cluster["DedicatedMasterEnabled"] == {"Fn::If": ["HasDedicatedMasters", True, False]}
    assert SOURCE["Parameters"]["SearchInstanceCount"]["MinValue"] == 2
    assert SOURCE["Parameters"]["SearchDedicatedMasterEnabled"]["Default"] == "false"


def test_given_search_domain_then_encrypted_with_the_data_key_and_https_only_with_modern_tls():
    assert DOMAIN["EncryptionAtRestOptions"] == {"Enabled": True, "KmsKeyId": {"Ref": "DataKey"}}
    assert DOMAIN["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert DOMAIN["DomainEndpointOptions"] == {
        "EnforceHTTPS": True,
        "TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }


def test_given_search_domain_then_fine_grained_access_control_by_iam_roles_only():
    security = DOMAIN["AdvancedSecurityOptions"]
    assert security["Enabled"] is True
    assert security["InternalUserDatabaseEnabled"] is False
    assert security["MasterUserOptions"] == {"MasterUserARN": {"Fn::GetAtt": ["SearchAdminFunctionRole", "Arn"]}}
    mapping = of_type("Custom::SearchSecurity")["SearchSecurityConfiguration"]
    # Through the alias, whose invoke configuration forbids the asynchronous retries that would re-run it.
    assert mapping["ServiceToken"] == {"Ref": "SearchAdminFunctionAliaslive"}
    (invoke_config,) = [
        config
        for config in of_type("AWS::Lambda::EventInvokeConfig").values()
        if config["FunctionName"] == {"Ref": "SearchAdminFunction"}
    ]
    assert invoke_config["Qualifier"] == "live" and invoke_config["MaximumRetryAttempts"] == 0
    # Its answer leaves the VPC through the S3 endpoint, which must outlive it on deletion.
    depends = set(listed(RESOURCES["SearchSecurityConfiguration"]["DependsOn"]))
    assert {"S3Endpoint", "PrivateSubnetARouteTable", "PrivateSubnetBRouteTable"} <= depends
    for function in ("IndexerFunction", "SearchFunction"):
        assert "SearchSecurityConfiguration" in listed(RESOURCES[function]["DependsOn"]), function
    assert mapping["IndexerRoleArn"] == {"Fn::GetAtt": ["IndexerFunctionRole", "Arn"]}
    assert mapping["SearchRoleArn"] == {"Fn::GetAtt": ["SearchFunctionRole", "Arn"]}


def test_given_search_domain_policy_then_it_names_only_the_three_search_roles_and_the_listed_operators():
    functions_statement, operators_statement = statements(DOMAIN["AccessPolicies"])
    roles = {principal["Fn::GetAtt"][0] for principal in functions_statement["Principal"]["AWS"]}
    assert roles == {f"{name}Role" for name in VPC_FUNCTIONS}
    assert functions_statement["Effect"] == "Allow"
    # Operators' roles only when the parameter lists some; otherwise the statement does not exist.
    condition, operators, absent = operators_statement["Fn::If"]
    assert condition == "HasSearchOperators" and absent == {"Ref": "AWS::NoValue"}
    assert operators["Principal"] == {"AWS": {"Ref": "SearchOperatorRoleArns"}}
    mapping = of_type("Custom::SearchSecurity")["SearchSecurityConfiguration"]
    assert mapping["OperatorRoleArns"] == {"Ref": "SearchOperatorRoleArns"}


def test_given_search_domain_then_every_log_type_goes_to_its_encrypted_log_group():
    options = DOMAIN["LogPublishingOptions"]
    assert set(options) == {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "AUDIT_LOGS"}
    assert all(option["Enabled"] is True for option in options.values())
    assert {json.dumps(o["CloudWatchLogsLogGroupArn"]) for o in options.values()} == {
        json.dumps({"Fn::GetAtt": ["SearchDomainLogGroup", "Arn"]})
    }
    assert "SearchDomainLogPolicy" in listed(RESOURCES["SearchDomain"]["DependsOn"])


# --- Data at rest ---


@pytest.mark.parametrize("table", ["ShopTable", "IdempotencyTable"])
def test_given_table_then_on_demand_kms_encrypted_recoverable_and_protected_in_prod(table):
    properties = of_type("AWS::DynamoDB::Table")[table]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "DataKey"},
    }
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTables", True, False]}
    assert DEPLOYED["Conditions"]["ProtectTables"] == {"Fn::Equals": [{"Ref": "TableDeletionProtection"}, "true"]}


def test_given_kms_keys_then_rotated_and_retained_where_data_depends_on_them():
    keys = of_type("AWS::KMS::Key")
    # EventsKey: the event dead letters and the stock alerts, written by EventBridge's and SNS's principals.
    assert set(keys) == {"DataKey", "TelemetryKey", "EventsKey"}
    assert all(key["EnableKeyRotation"] is True for key in keys.values())
    # Deleting the data key would make the retained table unreadable.
    assert RESOURCES["DataKey"]["DeletionPolicy"] == "Retain"


def test_given_queues_topics_and_secrets_then_encrypted_with_customer_managed_keys():
    assert of_type("AWS::SQS::Queue")["IndexerDeadLetterQueue"]["KmsMasterKeyId"] == {"Ref": "DataKey"}
    assert of_type("AWS::SNS::Topic")["AlarmTopic"]["KmsMasterKeyId"] == {"Ref": "TelemetryKey"}
    assert of_type("AWS::SecretsManager::Secret")["CursorSigningSecret"]["KmsKeyId"] == {"Ref": "DataKey"}


def test_given_log_groups_then_every_one_encrypted_with_retention():
    groups = of_type("AWS::Logs::LogGroup")
    assert len(groups) >= 5
    for group in groups.values():
        assert group["KmsKeyId"] == {"Fn::GetAtt": ["TelemetryKey", "Arn"]}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_given_functions_then_they_log_to_the_encrypted_group_and_encrypt_their_environment():
    for name, function in FUNCTIONS.items():
        assert function["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}, name
        assert function["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name


def test_given_template_then_no_secret_value_is_written_in_it():
    text = (REPO_ROOT / "template.yaml").read_text()
    for name, function in FUNCTIONS.items():
        for variable, value in function.get("Environment", {}).get("Variables", {}).items():
            if re.search(r"KEY|SECRET|PASSWORD|TOKEN", variable):
                assert "{{resolve:secretsmanager:" in json.dumps(value), f"{name}.{variable} must be a reference"
    assert not re.search(r"(?i)(password|secret)\s*:\s*['\"]?[A-Za-z0-9/+]{16,}", text)


# --- Least privilege ---


def test_given_function_roles_then_inline_statements_name_their_resources():
    for name in FUNCTIONS:
        for statement in role_statements(function_role(name)):
            assert "*" not in listed(statement["Resource"]), f"{name}: {statement}"
            assert not [a for a in listed(statement["Action"]) if a.endswith(":*")], f"{name}: {statement}"


def test_given_function_roles_then_each_is_capped_by_the_boundary_whose_only_wildcards_cannot_be_scoped():
    for name in FUNCTIONS:
        assert function_role(name)["PermissionsBoundary"] == {"Ref": "FunctionPermissionsBoundary"}, name
    boundary = of_type("AWS::IAM::ManagedPolicy")["FunctionPermissionsBoundary"]["PolicyDocument"]
    for statement in statements(boundary):
        if "*" in listed(statement["Resource"]):
            assert set(listed(statement["Action"])) <= UNSCOPABLE_ACTIONS
        assert not [a for a in listed(statement["Action"]) if "*" in a]


def test_given_functions_that_use_the_tables_then_they_may_use_the_data_key_only_through_dynamodb():
    for name in FUNCTIONS:
        table_statements = [
            s
            for s in role_statements(function_role(name))
            if any(a.startswith("dynamodb:") for a in listed(s["Action"]))
        ]
        if not table_statements or name == "IndexerFunction":  # the indexer reads the stream, not the tables
            continue
        (key,) = [
            s for s in role_statements(function_role(name)) if s["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
        ]
        assert "kms:Decrypt" in listed(key["Action"]), name
        assert key["Condition"] == {
            "StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}}
        }, name


def test_given_read_routes_then_their_functions_cannot_write():
    readers = {
        name
        for name in API_FUNCTIONS
        for event in SOURCE["Resources"][name]["Properties"]["Events"].values()
        if event["Type"] == "Api" and event["Properties"]["Method"] in ("GET", "OPTIONS")
    }
    assert {"GetProductFunction", "ListProductsFunction", "SearchFunction", "GetOrderFunction"} <= readers
    for name in readers:
        for statement in role_statements(function_role(name)):
            writes = [a for a in listed(statement["Action"]) if a.split(":")[1].startswith(WRITE_VERBS)]
            assert not writes, f"{name} serves only reads but may {writes}"


def test_given_iam_roles_then_no_inline_statement_allows_everything():
    for name, role in of_type("AWS::IAM::Role").items():
        for statement in role_statements(role):
            assert statement.get("Action") not in ("*", ["*"]), name
            assert not (
                set(listed(statement["Action"])) - UNSCOPABLE_ACTIONS and "*" in listed(statement["Resource"])
            ), f"{name}: {statement}"


# --- API edge ---

STAGE = of_type("AWS::ApiGateway::Stage")["ShopApiv1Stage"]


def test_given_api_then_regional_with_tls_1_2_at_least_and_strict_endpoint_access():
    api = of_type("AWS::ApiGateway::RestApi")["ShopApi"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["SecurityPolicy"].startswith("SecurityPolicy_TLS13_1_2")
    assert api["EndpointAccessMode"] == "STRICT"
    # One stage, v1: SAM's extra "Stage" stage would bypass the WAF, the throttling and the logs.
    assert [stage["StageName"] for stage in of_type("AWS::ApiGateway::Stage").values()] == ["v1"]
    assert all("StageName" not in d for d in of_type("AWS::ApiGateway::Deployment").values())


def test_given_api_stage_then_throttled_overall_and_tighter_on_costly_routes():
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in STAGE["MethodSettings"]}
    overall = settings[("/*", "*")]
    assert overall["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert overall["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert overall["DataTraceEnabled"] is False, "full request logging would write tokens and bodies to logs"
    default_rate = SOURCE["Parameters"]["ApiThrottlingRateLimit"]["Default"]
    for route in (("/~1orders", "POST"), ("/~1search", "GET"), ("/~1products", "POST")):
        assert settings[route]["ThrottlingRateLimit"] < default_rate, route


def test_given_api_stage_then_access_logged_as_json_and_traced():
    assert STAGE["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(STAGE["AccessLogSetting"]["Format"])
    assert {"requestId", "ip", "status", "latencyMs", "wafStatus", "xrayTraceId"} <= set(fields)
    assert STAGE["TracingEnabled"] is True
    assert of_type("AWS::ApiGateway::Account"), "API Gateway writes logs only through the account's role"
    # The stage (through its deployment and the API) is created only once that role is set.
    assert RESOURCES["ShopApi"]["DependsOn"] == "ApiGatewayAccount"
    assert STAGE["DeploymentId"]["Ref"] in RESOURCES and STAGE["RestApiId"] == {"Ref": "ShopApi"}


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
    for resource in SOURCE["Resources"].values():
        for event in (
            resource.get("Properties", {}).get("Events", {}).values() if resource["Type"].endswith("Function") else ()
        ):
            if event["Type"] == "Api":
                path = re.sub(r"\{(\w+)\}", r"<\1>", event["Properties"]["Path"])
                served.setdefault(path, set()).add(event["Properties"]["Method"])
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


# --- Observability ---

ALARMS = of_type("AWS::CloudWatch::Alarm")


def test_given_every_function_then_traced_and_named_for_logs_and_metrics():
    for name, function in FUNCTIONS.items():
        assert function["TracingConfig"] == {"Mode": "Active"}, name
        variables = function["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "shop", name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Fn::Sub": "Shop/${Stage}"}, name


def test_given_alarms_then_every_one_notifies_the_topic():
    assert len(ALARMS) >= len(FUNCTIONS) + 8
    for name, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = of_type("AWS::SNS::Subscription")["AlarmEmailSubscription"]
    assert RESOURCES["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert subscription["Endpoint"] == {"Ref": "AlarmEmail"}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_given_function_then_an_alarm_fires_on_its_errors_or_throttles(function):
    alarm = ALARMS[f"{function}FailuresAlarm"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert metrics["failures"]["Expression"] == "FILL(errors, 0) + FILL(throttles, 0)"
    for metric_id, metric_name in (("errors", "Errors"), ("throttles", "Throttles")):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["MetricName"] == metric_name
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        assert stat["Stat"] == "Sum"
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "statistic", "operator", "threshold"),
    [
        ("ApiServerErrorsAlarm", "AWS/ApiGateway", "5XXError", "Average", "GreaterThanThreshold", 0.01),
        ("ApiLatencyAlarm", "AWS/ApiGateway", "Latency", "p99", "GreaterThanThreshold", 2000),
        ("IndexerIteratorAgeAlarm", "AWS/Lambda", "IteratorAge", "Maximum", "GreaterThanThreshold", 60000),
        (
            "IndexerDeadLetterAlarm",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            "GreaterThanOrEqualToThreshold",
            1,
        ),
        ("SearchClusterRedAlarm", "AWS/ES", "ClusterStatus.red", "Maximum", "GreaterThanOrEqualToThreshold", 1),
        ("SearchClusterYellowAlarm", "AWS/ES", "ClusterStatus.yellow", "Maximum", "GreaterThanOrEqualToThreshold", 1),
        ("SearchFreeStorageAlarm", "AWS/ES", "FreeStorageSpace", "Minimum", "LessThanOrEqualToThreshold", 2048),
    ],
)
def test_given_service_alarm_then_its_metric_and_threshold(alarm, namespace, metric, statistic, operator, threshold):
    properties = ALARMS[alarm]
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert properties.get("Statistic", properties.get("ExtendedStatistic")) == statistic
    assert (properties["ComparisonOperator"], properties["Threshold"]) == (operator, threshold)


def test_given_dashboard_then_it_covers_the_api_functions_stream_search_domain_and_business_metrics():
    (dashboard,) = of_type("AWS::CloudWatch::Dashboard").values()
    body = dashboard["DashboardBody"]["Fn::Sub"][0]
    for needle in ("AWS/ApiGateway", "AWS/Lambda,FunctionName", "IteratorAge", "ApproximateNumberOfMessagesVisible"):
        assert needle in body
    assert "AWS/ES" in body and "FreeStorageSpace" in body
    assert "${MetricsNamespace}" in body
    json.loads(re.sub(r"\$\{[^}]+\}", "x", body))  # the body is JSON once CloudFormation fills it in


# --- Gradual deployment ---


@pytest.mark.parametrize("function", sorted(API_FUNCTIONS))
def test_given_api_function_then_traffic_shifts_by_canary_through_its_alias_and_rolls_back_on_alarms(function):
    alias = RESOURCES[f"{function}Aliaslive"]
    assert alias["Properties"]["Name"] == "live"
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    group = RESOURCES[update["DeploymentGroupName"]["Ref"]]["Properties"]
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
    graph = {
        name: (references(resource.get("Properties", {})) | set(listed(resource.get("DependsOn", []))))
        & RESOURCES.keys()
        for name, resource in RESOURCES.items()
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
