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
        "CreateProductFunction": {"dynamodb:PutItem"},
        "GetProductFunction": {"dynamodb:GetItem"},
        "UpdateProductFunction": {"dynamodb:UpdateItem"},
        "DeleteProductFunction": {"dynamodb:DeleteItem"},
        "ListProductsFunction": {"dynamodb:Query"},
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
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


def test_given_table_then_encrypted_recoverable_retained_and_streaming_both_images():
    table = TEMPLATE["Resources"]["ShopTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
