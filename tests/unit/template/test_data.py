"""Data at rest: the tables, keys, queues, topics, secrets and log groups, all encrypted and kept as they must be."""

import json
import re

import pytest

from .helpers import REPO_ROOT, SOURCE, deployed, lambda_functions, of_type, resources


def test_given_table_then_encrypted_recoverable_retained_and_streaming_both_images():
    table = SOURCE["Resources"]["ShopTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_given_idempotency_table_then_keyed_by_id_expiring_encrypted_and_recoverable():
    properties = SOURCE["Resources"]["IdempotencyTable"]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert "StreamSpecification" not in properties  # nothing downstream reads idempotency records


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
    assert deployed()["Conditions"]["ProtectTables"] == {"Fn::Equals": [{"Ref": "TableDeletionProtection"}, "true"]}


def test_given_dead_letter_queue_then_encrypted_and_kept_for_the_longest_time_sqs_allows():
    queue = SOURCE["Resources"]["IndexerDeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": "DataKey"}
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_given_kms_keys_then_rotated_and_retained_where_data_depends_on_them():
    keys = of_type("AWS::KMS::Key")
    assert set(keys) == {"DataKey", "TelemetryKey"}
    assert all(key["EnableKeyRotation"] is True for key in keys.values())
    # Deleting the data key would make the retained table unreadable.
    assert resources()["DataKey"]["DeletionPolicy"] == "Retain"


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
    for name, function in lambda_functions().items():
        assert function["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}, name
        assert function["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name


def test_given_template_then_no_secret_value_is_written_in_it():
    text = (REPO_ROOT / "template.yaml").read_text()
    for name, function in lambda_functions().items():
        for variable, value in function.get("Environment", {}).get("Variables", {}).items():
            if re.search(r"KEY|SECRET|PASSWORD|TOKEN", variable):
                assert "{{resolve:secretsmanager:" in json.dumps(value), f"{name}.{variable} must be a reference"
    assert not re.search(r"(?i)(password|secret)\s*:\s*['\"]?[A-Za-z0-9/+]{16,}", text)
