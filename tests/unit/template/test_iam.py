"""Least privilege: what each function, the operators' role and the stack's other roles may do."""

from .helpers import (
    API_FUNCTIONS,
    SOURCE,
    SOURCE_FUNCTIONS,
    UNSCOPABLE_ACTIONS,
    WRITE_VERBS,
    dynamodb_actions,
    es_statements,
    function_role,
    function_statements,
    lambda_functions,
    listed,
    of_type,
    role_statements,
    statements,
)

SHOP_TABLE_ARN = {"Fn::GetAtt": ["ShopTable", "Arn"]}
IDEMPOTENCY_TABLE_ARN = {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
COMMERCE_ACTIONS = {
    "GetCartFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
    "PutCartItemFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"},
    "DeleteCartItemFunction": {"dynamodb:UpdateItem", "dynamodb:BatchGetItem"},
    "CreateOrderFunction": {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
    },
    "ListOrdersFunction": {"dynamodb:Query"},
    "GetOrderFunction": {"dynamodb:GetItem"},
    "CancelOrderFunction": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
    "UpdateOrderStatusFunction": {"dynamodb:UpdateItem"},
}


# --- as written ---


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
    assert {function: dynamodb_actions(function) for function in API_FUNCTIONS} == expected


def test_given_the_idempotency_table_then_only_the_event_consumers_reach_it_and_checkout_does_not():
    reaching = {
        name
        for name in SOURCE_FUNCTIONS
        if any(statement.get("Resource") == IDEMPOTENCY_TABLE_ARN for statement in function_statements(name))
    }
    # The e-mail and alert consumers keep their idempotency records there, keyed on the event's id. Checkout's
    # record is the order itself, in the shop's table.
    assert reaching == {"CustomerMailFunction", "StockAlertsFunction"}
    for name in reaching:
        idempotency = [s for s in function_statements(name) if s["Resource"] == IDEMPOTENCY_TABLE_ARN]
        assert set(idempotency[0]["Action"]) <= {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        }
    assert "IDEMPOTENCY_TABLE_NAME" not in SOURCE_FUNCTIONS["CreateOrderFunction"]["Environment"]["Variables"]


def test_given_list_orders_then_it_queries_only_the_by_user_index():
    (statement,) = [s for s in function_statements("ListOrdersFunction") if str(s["Action"]).startswith("dynamodb:")]
    assert statement["Resource"] == {"Fn::Sub": "${ShopTable.Arn}/index/gsi1"}


def test_given_no_commerce_function_then_none_may_scan():
    commerce = [name for name in SOURCE_FUNCTIONS if "Cart" in name or "Order" in name]
    assert len(commerce) == 8
    for name in commerce:
        for statement in function_statements(name):
            actions = listed(statement["Action"])
            assert "dynamodb:Scan" not in actions and not any(a.endswith("*") for a in actions)


def test_given_search_operator_role_then_it_reaches_the_domain_only_through_the_admin_function():
    role = SOURCE["Resources"]["SearchOperatorRole"]["Properties"]
    found = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    actions = {a for s in found for a in listed(s["Action"])}
    assert {"lambda:InvokeFunction", "dynamodb:GetRecords", "sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions
    assert not {a for a in actions if a.startswith("es:")}
    assert not {a for a in actions if a.startswith("dynamodb:") and ("Put" in a or "Update" in a or "Delete" in a)}
    (invoke,) = [s for s in found if s["Action"] == "lambda:InvokeFunction"]
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


# --- as deployed (the roles SAM writes) ---


def test_given_function_roles_then_inline_statements_name_their_resources():
    for name in lambda_functions():
        for statement in role_statements(function_role(name)):
            assert "*" not in listed(statement["Resource"]), f"{name}: {statement}"
            assert not [a for a in listed(statement["Action"]) if a.endswith(":*")], f"{name}: {statement}"


def test_given_function_roles_then_each_is_capped_by_the_boundary_whose_only_wildcards_cannot_be_scoped():
    for name in lambda_functions():
        assert function_role(name)["PermissionsBoundary"] == {"Ref": "FunctionPermissionsBoundary"}, name
    boundary = of_type("AWS::IAM::ManagedPolicy")["FunctionPermissionsBoundary"]["PolicyDocument"]
    for statement in statements(boundary):
        if "*" in listed(statement["Resource"]):
            assert set(listed(statement["Action"])) <= UNSCOPABLE_ACTIONS
        assert not [a for a in listed(statement["Action"]) if "*" in a]


def test_given_functions_that_use_the_tables_then_they_may_use_the_data_key_only_through_dynamodb():
    for name in lambda_functions():
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


def test_given_functions_that_only_read_the_tables_then_their_data_key_statement_cannot_encrypt():
    for name in lambda_functions():
        actions = {a for s in role_statements(function_role(name)) for a in listed(s["Action"])}
        table_writes = {a for a in actions if a.startswith("dynamodb:") and a.split(":")[1].startswith(WRITE_VERBS)}
        # The indexer and the event publisher encrypt dead letters (SQS), not items.
        if not table_writes and name not in {"IndexerFunction", "PublisherFunction"}:
            assert not {"kms:Encrypt", "kms:GenerateDataKey"} & actions, name


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
