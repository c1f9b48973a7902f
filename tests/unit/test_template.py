"""What a reviewer checks in template.yaml, asserted on the template itself."""

import json

import pytest

from devstack.template import load_template, resources_of_type

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
API = resources_of_type(TEMPLATE, "AWS::Serverless::Api")["ShopApi"]
ADMIN_ROUTES = {("POST", "/products"), ("PATCH", "/products/{product_id}"), ("DELETE", "/products/{product_id}")}
# Commerce (issue 4): every cart and order route needs a signed-in caller (the status route an admin).
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
COMMERCE_ACTIONS = {
    "GetCartFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
    "PutCartItemFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"},
    "DeleteCartItemFunction": {"dynamodb:UpdateItem", "dynamodb:BatchGetItem"},
    "CreateOrderFunction": {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    },
    "ListOrdersFunction": {"dynamodb:Query"},
    "GetOrderFunction": {"dynamodb:GetItem"},
    "CancelOrderFunction": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "UpdateOrderStatusFunction": {"dynamodb:UpdateItem"},
}


def api_events():
    for logical_id, properties in FUNCTIONS.items():
        for source in properties.get("Events", {}).values():
            if source["Type"] == "Api":
                yield logical_id, properties, source["Properties"]


def dynamodb_actions(properties) -> set[str]:
    actions = set()
    for policy in properties.get("Policies", []):
        for statement in policy.get("Statement", []):
            listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            actions |= {action for action in listed if action.startswith("dynamodb:")}
    return actions


@pytest.mark.parametrize("response_type", sorted(API["GatewayResponses"]))
def test_given_gateway_response_then_problem_json_whose_status_is_the_responses(response_type):
    response = API["GatewayResponses"][response_type]
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body["status"] == response["StatusCode"]
    assert body["type"] and body["title"] and body["detail"]
    assert response["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'"


def test_given_api_events_then_exactly_the_admin_and_signed_in_routes_use_the_token_authorizer():
    guarded = {
        (event["Method"], event["Path"])
        for _, _, event in api_events()
        if event.get("Auth", {}).get("Authorizer") == "TokenAuthorizer"
    }
    assert guarded == ADMIN_ROUTES | SIGNED_IN_ROUTES


def test_given_each_api_function_then_it_may_do_only_what_its_route_needs():
    expected = {
        "HealthFunction": set(),
        "CorsPreflightFunction": set(),
        "CreateProductFunction": {"dynamodb:PutItem"},
        "GetProductFunction": {"dynamodb:GetItem"},
        "UpdateProductFunction": {"dynamodb:UpdateItem"},
        "DeleteProductFunction": {"dynamodb:DeleteItem"},
        "ListProductsFunction": {"dynamodb:Query"},
        "SearchFunction": set(),
        **COMMERCE_ACTIONS,
    }
    assert {logical_id: dynamodb_actions(properties) for logical_id, properties, _ in api_events()} == expected
    assert dynamodb_actions(FUNCTIONS["AuthorizerFunction"]) == set()


def test_given_every_function_then_python313_on_arm64_with_the_shared_layer():
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Layers"] == [{"Ref": "SharedLayer"}]
    assert all("Runtime" not in p and "Layers" not in p for p in FUNCTIONS.values())
    layer = TEMPLATE["Resources"]["SharedLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}


def test_given_table_then_encrypted_recoverable_retained_and_streaming_both_images():
    table = TEMPLATE["Resources"]["ShopTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


INDEXER_STREAM = FUNCTIONS["IndexerFunction"]["Events"]["CatalogStream"]["Properties"]


def es_statements(logical_id: str) -> list[dict]:
    statements = [s for policy in FUNCTIONS[logical_id]["Policies"] for s in policy.get("Statement", [])]
    return [
        s
        for s in statements
        if any(a.startswith("es:") for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))
    ]


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


def test_given_dead_letter_queue_then_encrypted_and_kept_for_the_longest_time_sqs_allows():
    queue = TEMPLATE["Resources"]["IndexerDeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": "DataKey"}
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_given_search_domain_then_encrypted_https_only_and_reachable_only_by_the_search_roles():
    domain = TEMPLATE["Resources"]["SearchDomain"]["Properties"]
    assert domain["EncryptionAtRestOptions"]["Enabled"] is True
    assert domain["NodeToNodeEncryptionOptions"]["Enabled"] is True
    assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert domain["DomainEndpointOptions"]["TLSSecurityPolicy"].startswith("Policy-Min-TLS-1-2")
    principals = [s["Principal"]["AWS"] for s in domain["AccessPolicies"]["Statement"] if "Principal" in s]
    roles = ("IndexerFunctionRole", "SearchFunctionRole", "SearchAdminFunctionRole")
    assert principals == [[{"Fn::GetAtt": [role, "Arn"]} for role in roles]]


def test_given_search_operator_role_then_it_reaches_the_domain_only_through_the_admin_function():
    role = TEMPLATE["Resources"]["SearchOperatorRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"lambda:InvokeFunction", "dynamodb:GetRecords", "sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions
    assert not {a for a in actions if a.startswith("es:")}
    assert not {a for a in actions if a.startswith("dynamodb:") and ("Put" in a or "Update" in a or "Delete" in a)}
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert invoke["Resource"] == {"Fn::GetAtt": ["SearchAdminFunction", "Arn"]}


def test_given_search_function_then_it_may_only_read_the_alias():
    (statement,) = es_statements("SearchFunction")
    assert set(statement["Action"]) <= {"es:ESHttpGet", "es:ESHttpPost"}
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:es:${AWS::Region}:${AWS::AccountId}:domain/shop-${Stage}/products/_search"
    }


def test_given_indexer_then_it_may_not_delete_indices():
    (statement,) = es_statements("IndexerFunction")
    assert "es:ESHttpDelete" not in statement["Action"]
    assert "es:ESHttp*" not in statement["Action"]


@pytest.mark.parametrize("logical_id", ["IndexerFunction", "SearchFunction", "SearchAdminFunction"])
def test_given_search_functions_then_they_sign_requests_to_the_domain_over_https(logical_id):
    variables = FUNCTIONS[logical_id]["Environment"]["Variables"]
    assert variables["OPENSEARCH_AUTH"] == "sigv4"
    assert variables["OPENSEARCH_ENDPOINT"] == {"Fn::Sub": "https://${SearchDomain.DomainEndpoint}"}
