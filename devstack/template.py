"""Reads template.yaml the way CloudFormation does, for the parts the local stack needs."""

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """Safe YAML plus CloudFormation's short-form tags (!Ref X -> {"Ref": "X"}, !Sub -> Fn::Sub...)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    # The SafeLoader subclass directly, rather than yaml.load(Loader=...), which scanners cannot tell from unsafe use.
    loader = _CloudFormationLoader(path.read_text())
    try:
        return loader.get_single_data()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    }


def create_table_requests(template: dict[str, Any]) -> list[dict[str, Any]]:
    """boto3 create_table arguments for each AWS::DynamoDB::Table, named by its logical id.

    Keys, indexes, billing and streams come from the template itself, so local tables cannot drift
    from the deployed ones. Encryption, backups and deletion protection have no local meaning.
    """
    requests = []
    for logical_id, properties in resources_of_type(template, "AWS::DynamoDB::Table").items():
        request: dict[str, Any] = {
            "TableName": logical_id,
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        }
        for optional in (
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "ProvisionedThroughput",
        ):
            if optional in properties:
                request[optional] = properties[optional]
        stream = properties.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        requests.append(request)
    return requests


# The queue attributes CloudFormation sets from a queue's properties that mean something locally.
QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DelaySeconds",
    "FifoQueue",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def create_queue_requests(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """boto3 create_queue arguments for each AWS::SQS::Queue, by logical id: named by its QueueName, else by the
    logical id (CloudFormation would generate a name; a fixed one is what local tools can find)."""
    requests = {}
    for logical_id, properties in resources_of_type(template, "AWS::SQS::Queue").items():
        fifo = bool(properties.get("FifoQueue"))
        name = properties.get("QueueName")
        if not isinstance(name, str):
            name = f"{logical_id}.fifo" if fifo else logical_id
        attributes = {
            attribute: str(value).lower() if isinstance(value, bool) else str(value)
            for attribute in QUEUE_ATTRIBUTES
            if isinstance(value := properties.get(attribute), str | int | bool)
        }
        requests[logical_id] = {"QueueName": name, "Attributes": attributes}
    return requests
