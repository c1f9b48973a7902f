"""What a reviewer checks in template.yaml's commerce block (issue 4), asserted on the template itself."""

from devstack.template import load_template, resources_of_type

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
SHOP_TABLE_ARN = {"Fn::GetAtt": ["ShopTable", "Arn"]}
IDEMPOTENCY_TABLE_ARN = {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}


def statements(function: str) -> list[dict]:
    return [statement for policy in FUNCTIONS[function].get("Policies", []) for statement in policy["Statement"]]


def test_given_idempotency_table_then_keyed_by_id_expiring_encrypted_and_recoverable():
    properties = TEMPLATE["Resources"]["IdempotencyTable"]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert "StreamSpecification" not in properties  # nothing downstream reads idempotency records


def test_given_checkout_then_only_it_reaches_the_idempotency_table_and_only_by_key():
    reaching = {
        name
        for name in FUNCTIONS
        # The e-mail and alert consumers keep their idempotency records there too, keyed on the event's id.
        if name not in {"CreateOrderFunction", "CustomerMailFunction", "StockAlertsFunction"}
        and any(statement.get("Resource") == IDEMPOTENCY_TABLE_ARN for statement in statements(name))
    }
    assert reaching == set()
    idempotency = [s for s in statements("CreateOrderFunction") if s["Resource"] == IDEMPOTENCY_TABLE_ARN]
    assert set(idempotency[0]["Action"]) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert FUNCTIONS["CreateOrderFunction"]["Environment"]["Variables"]["IDEMPOTENCY_TABLE_NAME"] == {
        "Ref": "IdempotencyTable"
    }


def test_given_list_orders_then_it_queries_only_the_by_user_index():
    (statement,) = [s for s in statements("ListOrdersFunction") if str(s["Action"]).startswith("dynamodb:")]
    assert statement["Resource"] == {"Fn::Sub": "${ShopTable.Arn}/index/gsi1"}


def test_given_no_commerce_function_then_none_may_scan():
    commerce = [name for name in FUNCTIONS if "Cart" in name or "Order" in name]
    assert len(commerce) == 8
    for name in commerce:
        for statement in statements(name):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "dynamodb:Scan" not in actions and not any(a.endswith("*") for a in actions)
