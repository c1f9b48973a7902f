"""Search: the table's stream into the indexer, and the OpenSearch domain it writes."""

import json

import pytest

from .helpers import SOURCE, SOURCE_FUNCTIONS, VPC_FUNCTIONS, listed, of_type, resources, statements

INDEXER_STREAM = SOURCE_FUNCTIONS["IndexerFunction"]["Events"]["CatalogStream"]["Properties"]


def domain() -> dict:
    return of_type("AWS::OpenSearchService::Domain")["SearchDomain"]


def test_given_indexer_stream_source_then_every_delivery_setting_is_explicit_and_bounded():
    explicit = {
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "FilterCriteria",
        "DestinationConfig",
    }
    assert explicit <= INDEXER_STREAM.keys()
    assert INDEXER_STREAM["Stream"] == {"Fn::GetAtt": ["ShopTable", "StreamArn"]}
    assert INDEXER_STREAM["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert INDEXER_STREAM["BisectBatchOnFunctionError"] is True
    # Unbounded retries would let one poison record stall its shard for a day.
    assert 0 <= INDEXER_STREAM["MaximumRetryAttempts"] <= 10
    assert 60 <= INDEXER_STREAM["MaximumRecordAgeInSeconds"] <= 6 * 3600
    assert INDEXER_STREAM["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["IndexerDeadLetterQueue", "Arn"]
    }
    # Without a Type, SAM grants no sqs:SendMessage and nothing would ever reach the queue.
    assert INDEXER_STREAM["DestinationConfig"]["OnFailure"]["Type"] == "SQS"


def test_given_indexer_filter_then_only_catalog_items_reach_it():
    patterns = [json.loads(f["Pattern"]) for f in INDEXER_STREAM["FilterCriteria"]["Filters"]]
    assert patterns == [{"dynamodb": {"Keys": {"sk": {"S": ["PRODUCT"]}}}}]


@pytest.mark.parametrize("logical_id", ["IndexerFunction", "SearchFunction", "SearchAdminFunction"])
def test_given_search_functions_then_they_sign_requests_to_the_domain_over_https(logical_id):
    variables = SOURCE_FUNCTIONS[logical_id]["Environment"]["Variables"]
    assert variables["OPENSEARCH_AUTH"] == "sigv4"
    assert variables["OPENSEARCH_ENDPOINT"] == {"Fn::Sub": "https://${SearchDomain.DomainEndpoint}"}


def test_given_search_domain_then_encrypted_https_only_and_reachable_only_by_the_search_roles():
    written = SOURCE["Resources"]["SearchDomain"]["Properties"]
    assert written["EncryptionAtRestOptions"]["Enabled"] is True
    assert written["NodeToNodeEncryptionOptions"]["Enabled"] is True
    assert written["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert written["DomainEndpointOptions"]["TLSSecurityPolicy"].startswith("Policy-Min-TLS-1-2")
    principals = [s["Principal"]["AWS"] for s in written["AccessPolicies"]["Statement"] if "Principal" in s]
    roles = ("IndexerFunctionRole", "SearchFunctionRole", "SearchAdminFunctionRole")
    assert principals == [[{"Fn::GetAtt": [role, "Arn"]} for role in roles]]


def test_given_search_domain_then_current_engine_spread_over_two_zones_with_sizes_as_parameters():
    version = SOURCE["Parameters"]["SearchEngineVersion"]["Default"]
    assert domain()["EngineVersion"] == {"Ref": "SearchEngineVersion"}
    assert tuple(int(part) for part in version.removeprefix("OpenSearch_").split(".")) >= (3, 3)
    cluster = domain()["ClusterConfig"]
    assert cluster["ZoneAwarenessEnabled"] is True
    assert cluster["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 2}
    assert cluster["InstanceType"] == {"Ref": "SearchInstanceType"}
    assert cluster["InstanceCount"] == {"Ref": "SearchInstanceCount"}
    assert cluster["DedicatedMasterEnabled"] == {"Fn::If": ["HasDedicatedMasters", True, False]}
    assert SOURCE["Parameters"]["SearchInstanceCount"]["MinValue"] == 2
    assert SOURCE["Parameters"]["SearchDedicatedMasterEnabled"]["Default"] == "false"


def test_given_search_domain_then_encrypted_with_the_data_key_and_https_only_with_modern_tls():
    assert domain()["EncryptionAtRestOptions"] == {"Enabled": True, "KmsKeyId": {"Ref": "DataKey"}}
    assert domain()["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert domain()["DomainEndpointOptions"] == {
        "EnforceHTTPS": True,
        "TLSSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }


def test_given_search_domain_then_fine_grained_access_control_by_iam_roles_only():
    security = domain()["AdvancedSecurityOptions"]
    assert security["Enabled"] is True
    assert security["InternalUserDatabaseEnabled"] is False
    assert security["MasterUserOptions"] == {"MasterUserARN": {"Fn::GetAtt": ["SearchAdminFunctionRole", "Arn"]}}
    mapping = of_type("Custom::SearchSecurity")["SearchSecurityConfiguration"]
    # Through the alias, whose invoke configuration forbids the asynchronous retries that would re-run it.
    assert mapping["ServiceToken"] == {"Ref": "SearchAdminFunctionAliaslive"}
    (invoke_config,) = of_type("AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Qualifier"] == "live" and invoke_config["MaximumRetryAttempts"] == 0
    # Its answer leaves the VPC through the S3 endpoint, which must outlive it on deletion.
    depends = set(listed(resources()["SearchSecurityConfiguration"]["DependsOn"]))
    assert {"S3Endpoint", "PrivateSubnetARouteTable", "PrivateSubnetBRouteTable"} <= depends
    for function in ("IndexerFunction", "SearchFunction"):
        assert "SearchSecurityConfiguration" in listed(resources()[function]["DependsOn"]), function
    assert mapping["IndexerRoleArn"] == {"Fn::GetAtt": ["IndexerFunctionRole", "Arn"]}
    assert mapping["SearchRoleArn"] == {"Fn::GetAtt": ["SearchFunctionRole", "Arn"]}


def test_given_search_domain_policy_then_it_names_only_the_three_search_roles_and_the_listed_operators():
    functions_statement, operators_statement = statements(domain()["AccessPolicies"])
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
    options = domain()["LogPublishingOptions"]
    assert set(options) == {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "AUDIT_LOGS"}
    assert all(option["Enabled"] is True for option in options.values())
    assert {json.dumps(o["CloudWatchLogsLogGroupArn"]) for o in options.values()} == {
        json.dumps({"Fn::GetAtt": ["SearchDomainLogGroup", "Arn"]})
    }
    assert "SearchDomainLogPolicy" in listed(resources()["SearchDomain"]["DependsOn"])
