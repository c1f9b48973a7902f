"""Reads template.yaml the way CloudFormation does, for the parts the local stack needs."""

import copy
import re
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


def load_template(path: Path = TEMPLATE, *, expand: bool = True) -> dict[str, Any]:
    """The template as data; with `expand`, as CloudFormation sees it after AWS::LanguageExtensions (Fn::ForEach)."""
    # The SafeLoader subclass directly, rather than yaml.load(Loader=...), which scanners cannot tell from unsafe use.
    loader = _CloudFormationLoader(path.read_text())
    try:
        template: dict[str, Any] = loader.get_single_data()
    finally:
        loader.dispose()
    return expand_for_each(template) if expand else template


FOR_EACH = "Fn::ForEach::"
# The sections where CloudFormation accepts Fn::ForEach.
FOR_EACH_SECTIONS = ("Conditions", "Resources", "Outputs")


def expand_for_each(template: dict[str, Any]) -> dict[str, Any]:
    """Expands every Fn::ForEach of the sections that accept one, as the AWS::LanguageExtensions transform does.

    For each item of the collection the fragment is copied with the identifier replaced: `${Id}` and `&{Id}` (the
    item without its non-alphanumeric characters) in keys and strings, `{"Ref": "Id"}` by the item itself. Then a
    `Ref` or `Fn::GetAtt` whose argument became a plain `Fn::Sub` names its target directly, as CloudFormation
    resolves it. Then every `Fn::FindInMap` whose keys are known (literal, or the item put in their place) is
    replaced by its value from `Mappings`, or by its `DefaultValue` when the map has no such keys: the transform
    resolves these before the SAM transform reads the template, so a looped function's route can come from a
    mapping row. SAM CLI's own expander also resolves every other intrinsic it can, which loses the rest of the
    template (`!Sub ${Table.Arn}/index` becomes a bare string): the local stack, the diagram and the tests read
    this one. The collection is a list, or a Ref to a CommaDelimitedList parameter (its default).
    """
    parameters = template.get("Parameters") or {}
    mappings = template.get("Mappings") or {}
    for section in FOR_EACH_SECTIONS:
        if isinstance(template.get(section), dict):
            template[section] = _resolve_find_in_map(_expand_mapping(template[section], parameters), mappings)
    return template


def _expand_mapping(mapping: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    expanded: dict[str, Any] = {}
    for key, value in mapping.items():
        produced = _for_each(key, value, parameters) if key.startswith(FOR_EACH) else {key: value}
        for produced_key, produced_value in produced.items():
            if produced_key in expanded:
                raise ValueError(f"{key} produces {produced_key}, which the template already has")
            expanded[produced_key] = produced_value
    return expanded


def _for_each(key: str, loop: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    if not (isinstance(loop, list) and len(loop) == 3 and isinstance(loop[0], str) and isinstance(loop[2], dict)):
        raise ValueError(f"{key} must be [identifier, collection, {{key: fragment}}]")
    identifier, collection, fragment = loop
    if isinstance(collection, dict) and set(collection) == {"Ref"}:
        default = (parameters.get(collection["Ref"]) or {}).get("Default")
        if not isinstance(default, str):
            raise ValueError(f"{key}: its collection names no CommaDelimitedList parameter with a default")
        collection = default.split(",")
    if not isinstance(collection, list):
        raise ValueError(f"{key}: the collection must be a list")
    expanded: dict[str, Any] = {}
    for item in collection:
        copied = _resolve_dynamic_references(_substitute(fragment, identifier, str(item)))
        # A fragment may hold a loop of its own: expand it with this item already in place.
        for produced_key, produced_value in _expand_mapping(copied, parameters).items():
            if produced_key in expanded:
                raise ValueError(f"{key} produces {produced_key} twice")
            expanded[produced_key] = produced_value
    return expanded


def _substitute(node: Any, identifier: str, value: str) -> Any:
    if isinstance(node, str):
        alphanumeric = re.sub(r"[^A-Za-z0-9]", "", value)
        return node.replace(f"${{{identifier}}}", value).replace(f"&{{{identifier}}}", alphanumeric)
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return value
        return {_substitute(k, identifier, value): _substitute(v, identifier, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(item, identifier, value) for item in node]
    return node


def _resolve_dynamic_references(node: Any) -> Any:
    if isinstance(node, dict):
        node = {key: _resolve_dynamic_references(value) for key, value in node.items()}
        if set(node) == {"Ref"} and _plain_sub(node["Ref"]) is not None:
            return {"Ref": _plain_sub(node["Ref"])}
        if set(node) == {"Fn::GetAtt"} and isinstance(node["Fn::GetAtt"], list):
            return {"Fn::GetAtt": [_plain_sub(part) or part for part in node["Fn::GetAtt"]]}
        return node
    if isinstance(node, list):
        return [_resolve_dynamic_references(item) for item in node]
    return node


def _plain_sub(node: Any) -> str | None:
    """The text of a Fn::Sub that refers to nothing (after substitution), else None."""
    if isinstance(node, dict) and set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        text: str = node["Fn::Sub"]
        return None if "${" in text else text
    return None


FIND_IN_MAP = "Fn::FindInMap"


def _resolve_find_in_map(node: Any, mappings: dict[str, Any]) -> Any:
    """Every Fn::FindInMap whose keys are known, innermost first, replaced by what it finds."""
    if isinstance(node, list):
        return [_resolve_find_in_map(item, mappings) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _resolve_find_in_map(value, mappings) for key, value in node.items()}
    if set(node) != {FIND_IN_MAP}:
        return node
    arguments = node[FIND_IN_MAP]
    default_given = isinstance(arguments, list) and len(arguments) == 4
    if not (
        isinstance(arguments, list)
        and len(arguments) in (3, 4)
        and (not default_given or (isinstance(arguments[3], dict) and set(arguments[3]) == {"DefaultValue"}))
    ):
        raise ValueError(
            f"{FIND_IN_MAP} takes [MapName, TopLevelKey, SecondLevelKey] and optionally "
            f"{{DefaultValue: value}}, not {arguments!r}"
        )
    known = [argument if isinstance(argument, str) else _plain_sub(argument) for argument in arguments[:3]]
    keys = [key for key in known if key is not None]
    if len(keys) < len(known):
        return node  # a key known only at deploy time (a parameter): CloudFormation looks it up then
    map_name, top_key, second_key = keys
    found = ((mappings.get(map_name) or {}).get(top_key) or {}).get(second_key)
    # A copy: every place that looks up the same row gets its own value.
    if found is not None:
        return copy.deepcopy(found)
    if default_given:
        return copy.deepcopy(arguments[3]["DefaultValue"])
    if map_name not in mappings:
        raise ValueError(f"{FIND_IN_MAP} {keys}: the template has no mapping {map_name}")
    if top_key not in mappings[map_name]:
        raise ValueError(f"{FIND_IN_MAP} {keys}: the mapping {map_name} has no key {top_key}")
    raise ValueError(f"{FIND_IN_MAP} {keys}: {map_name}.{top_key} has no {second_key}")


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
