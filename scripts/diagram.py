"""Writes the architecture diagram (a Mermaid flowchart) from template.yaml and, when it exists, pipeline.yaml.

Everything drawn is read from the templates by resource type and property: the API's routes from the functions'
Api events, who reads and writes what from their IAM statements, the stream and its dead-letter queue from the
event source mappings, what sits in the VPC from VpcConfig and VPCOptions, the security groups' rules, what each
KMS key encrypts, the pipeline's stages. So a change to the template changes the diagram, and the test that
compares docs/architecture.mmd with this output fails until `make diagram` is run.

    python -m scripts.diagram [--template template.yaml] [--pipeline pipeline.yaml] [--output FILE]
"""

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.template import load_template

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
PIPELINE = REPO_ROOT / "pipeline.yaml"

HEADER = "%% Generated from template.yaml and pipeline.yaml by scripts/diagram.py (`make diagram`): do not edit."

FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
API = "AWS::Serverless::Api"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"
DOMAIN = "AWS::OpenSearchService::Domain"
USER_POOL = "AWS::Cognito::UserPool"
SECRET = "AWS::SecretsManager::Secret"
WEB_ACL = "AWS::WAFv2::WebACL"
WEB_ACL_ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
SECURITY_GROUP_INGRESS = "AWS::EC2::SecurityGroupIngress"
SECURITY_GROUP_EGRESS = "AWS::EC2::SecurityGroupEgress"
VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
KMS_KEY = "AWS::KMS::Key"
KMS_ALIAS = "AWS::KMS::Alias"
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
LOG_GROUP = "AWS::Logs::LogGroup"
ALARM_STATES = {"AlarmActions": "alarm", "OKActions": "ok", "InsufficientDataActions": "no data"}
ROLE = "AWS::IAM::Role"
ROUTE_TABLE = "AWS::EC2::RouteTable"
ROUTE_TABLE_ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"
DASHBOARD = "AWS::CloudWatch::Dashboard"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"

# Resources a diagram node already stands for, or that only configure one (their facts are in its label).
FOLDED_TYPES = {
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
    "AWS::Cognito::UserPoolDomain",
    SUBSCRIPTION,
    KMS_ALIAS,
    WEB_ACL_ASSOCIATION,
    SECURITY_GROUP_INGRESS,
    SECURITY_GROUP_EGRESS,
    ROUTE_TABLE_ASSOCIATION,
}
POOL_PARTS = {
    "AWS::Cognito::UserPoolClient": "app client",
    "AWS::Cognito::UserPoolGroup": "group",
    "AWS::Cognito::UserPoolDomain": "domain",
}
# Resources that only switch on logging for another one: drawn as that one's edge to the log groups.
LOG_ATTACHMENT_TYPES = {"AWS::WAFv2::LoggingConfiguration", "AWS::EC2::FlowLog"}

# The property names CloudFormation uses, resource type by resource type, for "encrypted with this KMS key".
KMS_KEY_PROPERTIES = {"kmskeyid", "kmskeyarn", "kmsmasterkeyid", "kmsmasterkeyarn"}

DYNAMODB_STREAM_ACTIONS = {"GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"}
DYNAMODB_READ_PREFIXES = ("Get", "BatchGet", "Query", "Scan", "Describe", "ConditionCheck", "List", "PartiQLSelect")
# SAM policy templates that grant table access, by what they allow.
SAM_TABLE_POLICIES = {
    "DynamoDBCrudPolicy": ("read", "write"),
    "DynamoDBReadPolicy": ("read",),
    "DynamoDBWritePolicy": ("write",),
    "DynamoDBReconfigurePolicy": ("write",),
    "DynamoDBStreamReadPolicy": ("read",),
}
SAM_QUEUE_POLICIES = {"SQSSendMessagePolicy": "send", "SQSPollerPolicy": "receive"}
SAM_TOPIC_POLICIES = {"SNSPublishMessagePolicy": "publish"}
SAM_DOMAIN_POLICIES = {"ElasticsearchHttpPostPolicy"}

# More routes than this from one source to one function are drawn as a count, to keep the edge's label short.
ROUTES_PER_EDGE = 3

MERMAID_KEYWORDS = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "default"}

# Layers, drawn in this order as subgraphs (the VPCs and pipelines follow): id, title.
LAYERS = (
    ("layer_edge", "Edge"),
    ("layer_identity", "Identity"),
    ("layer_api", "API"),
    ("layer_functions", "Functions"),
    ("layer_data", "Data"),
    ("layer_search", "Search"),
    ("layer_ops", "Operations and security"),
)
STYLES = {
    "edge": "fill:#fde2e4,stroke:#c9184a,color:#1b1b1b",
    "identity": "fill:#e2ecfd,stroke:#3a5fcd,color:#1b1b1b",
    "api": "fill:#f3e8ff,stroke:#7b2cbf,color:#1b1b1b",
    "compute": "fill:#fff1d6,stroke:#d97706,color:#1b1b1b",
    "data": "fill:#dcf5e6,stroke:#2d6a4f,color:#1b1b1b",
    "search": "fill:#d9f2f7,stroke:#0e7490,color:#1b1b1b",
    "network": "fill:#eef0f2,stroke:#5c677d,color:#1b1b1b",
    "ops": "fill:#f1f1f1,stroke:#6c757d,color:#1b1b1b",
    "pipeline": "fill:#e9f5db,stroke:#55a630,color:#1b1b1b",
}
# Subgraphs: layers pale, so that the nodes' colours carry; the network boundary and the pipeline stand out.
GROUP_STYLES = {
    "layer": "fill:#fbfbfb,stroke:#b0b0b0",
    "vpc": "fill:#f2f5fb,stroke:#5c677d,stroke-width:2px,stroke-dasharray:6 4",
    "pipeline": "fill:#f6fbf0,stroke:#55a630",
}


# --- reading intrinsic functions ----------------------------------------------------------------------------------


def sub_references(value: Any) -> Iterator[tuple[str, str | None]]:
    """(logical id, attribute or None) for each ${X} / ${X.Attr} in a Fn::Sub, but not its own variables."""
    text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
    for name in re.findall(r"\$\{(?!!)([^}]+)\}", text if isinstance(text, str) else ""):
        if name in variables or name.startswith("AWS::"):
            continue
        logical_id, _, attribute = name.partition(".")
        yield logical_id, attribute or None
    yield from references(variables)


def references(value: Any) -> Iterator[tuple[str, str | None]]:
    """Every (logical id, attribute) a property value points at through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                if not inner.startswith("AWS::"):
                    logical_id, _, attribute = inner.partition(".")
                    yield logical_id, attribute or None
            elif key == "Fn::GetAtt":
                parts = inner.split(".", 1) if isinstance(inner, str) else inner
                if isinstance(parts, list) and parts and isinstance(parts[0], str):
                    yield parts[0], ".".join(str(part) for part in parts[1:]) or None
            elif key == "Fn::Sub":
                yield from sub_references(inner)
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def sub_text(value: Any) -> str:
    """The text of a plain string or an Fn::Sub, for matching names written into ARNs."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        return inner[0] if isinstance(inner, list) else str(inner)
    return ""


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def node_id(*parts: str) -> str:
    """A Mermaid-safe id from logical ids and names: stable, since they are."""
    text = "_".join(re.sub(r"[^0-9A-Za-z_]", "_", part) for part in parts)
    return f"{text}_" if text.lower() in MERMAID_KEYWORDS else text


def escape(text: str) -> str:
    """Label text as Mermaid shows it literally inside quotes."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def label(*lines: str) -> str:
    return "<br/>".join(escape(line) for line in lines if line)


# --- the diagram ---------------------------------------------------------------------------------------------------

SHAPES = {
    "box": ('["', '"]'),
    "round": ('("', '")'),
    "stadium": ('(["', '"])'),
    "cylinder": ('[("', '")]'),
    "hexagon": ('{{"', '"}}'),
    "queue": ('[["', '"]]'),
    "stream": ('[/"', '"/]'),
    "circle": ('(("', '"))'),
}


@dataclass
class Node:
    id: str
    text: str
    shape: str
    style: str


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    text: str = ""
    dotted: bool = False


@dataclass
class Group:
    id: str
    title: str
    style: str
    nodes: set[str] = field(default_factory=set)


class Diagram:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.group_of: dict[str, str] = {}
        self.groups: dict[str, Group] = {}
        self.edge_labels: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
        # Which node stands for a logical id (a log group is drawn by the "N log groups" node, for instance).
        self.node_of: dict[str, str] = {}

    def group(self, group_id: str, title: str, style: str) -> Group:
        if group_id not in self.groups:
            self.groups[group_id] = Group(group_id, title, style)
        return self.groups[group_id]

    def add(self, node: Node, group: str, stands_for: Iterable[str] = ()) -> str:
        self.nodes[node.id] = node
        self.group_of[node.id] = group
        self.groups[group].nodes.add(node.id)
        for logical_id in stands_for:
            self.node_of[logical_id] = node.id
        return node.id

    def move(self, node: str, group: str) -> None:
        self.groups[self.group_of[node]].nodes.discard(node)
        self.group_of[node] = group
        self.groups[group].nodes.add(node)

    def connect(self, source: str, target: str, text: str = "", dotted: bool = False) -> None:
        labels = self.edge_labels[(source, target, dotted)]
        if text:
            labels.add(text)

    def edges(self) -> list[Edge]:
        return sorted(
            Edge(source, target, "<br/>".join(escape(text) for text in sorted(texts)), dotted)
            for (source, target, dotted), texts in self.edge_labels.items()
            if {source, target} <= self.nodes.keys() | self.groups.keys() and source != target
        )

    def render(self) -> str:
        lines = [HEADER, "flowchart TB"]
        # Subgraphs in the order they were opened: the layers, then VPCs, then pipelines.
        for group in self.groups.values():
            lines += self._render_group(group)
        for edge in self.edges():
            arrow = "-.->" if edge.dotted else "-->"
            text = f'|"{edge.text}"|' if edge.text else ""
            lines.append(f"  {edge.source} {arrow}{text} {edge.target}")
        for style, css in STYLES.items():
            lines.append(f"  classDef {style} {css}")
        by_style: dict[str, list[str]] = defaultdict(list)
        for node in self.nodes.values():
            by_style[node.style].append(node.id)
        for style in sorted(by_style):
            lines.append(f"  class {','.join(sorted(by_style[style]))} {style}")
        for group in sorted(self.groups.values(), key=lambda group: group.id):
            if group.nodes:
                lines.append(f"  style {group.id} {GROUP_STYLES[group.style]}")
        return "\n".join(lines) + "\n"

    def _render_group(self, group: Group) -> list[str]:
        if not group.nodes:
            return []
        lines = [f'  subgraph {group.id}["{escape(group.title)}"]']
        for member in sorted(group.nodes):
            node = self.nodes[member]
            opening, closing = SHAPES[node.shape]
            lines.append(f"    {node.id}{opening}{node.text}{closing}")
        lines.append("  end")
        return lines


# --- reading the application template -------------------------------------------------------------------------------


class Application:
    """The application template, with lookups by type and the diagram being drawn from it."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources: dict[str, dict[str, Any]] = template.get("Resources", {}) or {}
        self.function_globals: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}
        self.diagram = Diagram()
        self.drawn: set[str] = set()
        for layer_id, title in LAYERS:
            self.diagram.group(layer_id, title, "layer")

    def of_type(self, *resource_types: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties", {}) or {}
            for logical_id, resource in sorted(self.resources.items())
            if resource.get("Type") in resource_types
        }

    def type_of(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if resource else None

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type(FUNCTION, LAMBDA_FUNCTION)

    def refs_of_type(self, value: Any, *resource_types: str) -> list[tuple[str, str | None]]:
        found = {ref for ref in references(value) if self.type_of(ref[0]) in resource_types}
        return sorted(found, key=lambda ref: (ref[0], ref[1] or ""))

    def ids_of_type(self, value: Any, *resource_types: str) -> list[str]:
        return sorted({logical_id for logical_id, _ in self.refs_of_type(value, *resource_types)})

    def add(self, logical_id: str, node: Node, group: str) -> str:
        self.drawn.add(logical_id)
        return self.diagram.add(node, group, stands_for=[logical_id])

    def node(self, logical_id: str) -> str | None:
        return self.diagram.node_of.get(logical_id)

    def draw(self) -> Diagram:
        self.draw_identity()
        self.draw_api()
        self.draw_functions()
        self.draw_data()
        self.draw_search()
        self.draw_roles()
        self.draw_vpcs()
        self.draw_edge()
        self.draw_ops()
        self.draw_custom_resources()
        self.draw_access()
        self.draw_event_sources()
        self.draw_encryption()
        self.draw_logging()
        self.draw_leftovers()
        return self.diagram

    # Nodes ---------------------------------------------------------------------------------------------------------

    def draw_identity(self) -> None:
        for pool_id in self.of_type(USER_POOL):
            # Its clients, groups and domain only configure the pool: named in its label.
            attached_ids = [
                other
                for other, properties in self.of_type(*FOLDED_TYPES).items()
                if pool_id in self.ids_of_type(properties.get("UserPoolId"), USER_POOL)
            ]
            attached = sorted(f"{POOL_PARTS.get(str(self.type_of(other)), 'part')} {other}" for other in attached_ids)
            self.drawn.update(attached_ids)
            self.add(
                pool_id,
                Node(pool_id, label(pool_id, "Cognito user pool", *attached), "box", "identity"),
                "layer_identity",
            )

    def authorizers(self) -> dict[str, dict[str, str]]:
        """For each API: its authorizers' names → the function each one invokes."""
        found: dict[str, dict[str, str]] = {}
        for api_id, properties in self.of_type(API).items():
            authorizers = (properties.get("Auth") or {}).get("Authorizers") or {}
            found[api_id] = {
                name: functions[0]
                for name, authorizer in sorted(authorizers.items())
                if (functions := self.ids_of_type(authorizer.get("FunctionArn"), FUNCTION, LAMBDA_FUNCTION))
            }
        return found

    def draw_api(self) -> None:
        for api_id, properties in self.of_type(API).items():
            stage = properties.get("StageName")
            details = ["API Gateway REST API", f"stage {stage}" if isinstance(stage, str) else ""]
            self.add(api_id, Node(api_id, label(api_id, *details), "hexagon", "api"), "layer_api")

    def draw_functions(self) -> None:
        runtime = " ".join(
            str(value)
            for value in (self.function_globals.get("Runtime"), *as_list(self.function_globals.get("Architectures")))
            if isinstance(value, str)
        )
        if runtime:
            self.diagram.groups["layer_functions"].title = f"Functions (Lambda {runtime})"
        authorizer_functions = {function for names in self.authorizers().values() for function in names.values()}
        for function_id in self.functions():
            layer = "layer_api" if function_id in authorizer_functions else "layer_functions"
            kind = "Lambda authorizer" if function_id in authorizer_functions else ""
            self.add(function_id, Node(function_id, label(function_id, kind), "round", "compute"), layer)

    def draw_data(self) -> None:
        for table_id, properties in self.of_type(TABLE).items():
            indexes = [index.get("IndexName") for index in properties.get("GlobalSecondaryIndexes") or []]
            details = ["DynamoDB table", f"indexes {', '.join(indexes)}" if indexes else ""]
            self.add(table_id, Node(table_id, label(table_id, *details), "cylinder", "data"), "layer_data")
            stream = properties.get("StreamSpecification")
            if stream:
                stream_node = node_id(table_id, "stream")
                view = stream.get("StreamViewType", "")
                text = label(f"{table_id} stream", view if isinstance(view, str) else "")
                self.diagram.add(Node(stream_node, text, "stream", "data"), "layer_data")
                self.diagram.connect(self.node(table_id) or table_id, stream_node, "item changes")
        for queue_id, properties in self.of_type(QUEUE).items():
            kind = "SQS FIFO queue" if properties.get("FifoQueue") else "SQS queue"
            self.add(queue_id, Node(queue_id, label(queue_id, kind), "queue", "data"), "layer_data")
        for secret_id in self.of_type(SECRET):
            # Beside the keys, not the tables: a deploy-time value, not data the functions call.
            self.add(secret_id, Node(secret_id, label(secret_id, "Secrets Manager secret"), "box", "ops"), "layer_ops")

    def draw_search(self) -> None:
        for domain_id, properties in self.of_type(DOMAIN).items():
            engine = properties.get("EngineVersion")
            details = ["OpenSearch domain", engine.replace("_", " ") if isinstance(engine, str) else ""]
            self.add(domain_id, Node(domain_id, label(domain_id, *details), "cylinder", "search"), "layer_search")

    def draw_roles(self) -> None:
        """Roles the template defines for people or tools (assumed by account principals), since they too read and
        write; functions' roles are SAM's and drawn as the functions, service roles only serve a service."""
        for role_id, properties in self.of_type(ROLE).items():
            principals = [
                statement.get("Principal") or {}
                for statement in as_list((properties.get("AssumeRolePolicyDocument") or {}).get("Statement"))
            ]
            if not properties.get("Policies") or not any(isinstance(p, dict) and "AWS" in p for p in principals):
                continue
            self.add(role_id, Node(role_id, label(role_id, "IAM role"), "box", "ops"), "layer_ops")

    def draw_vpcs(self) -> None:
        for vpc_id, properties in self.of_type(VPC).items():
            cidr = plain(properties.get("CidrBlock"))
            title = f"VPC {vpc_id}" + (f" · {cidr}" if cidr else "")
            self.diagram.group(vpc_id, title, "vpc")
            self.drawn.add(vpc_id)
        subnet_vpc: dict[str, str] = {}
        for subnet_id, properties in self.of_type(SUBNET).items():
            vpc = next(iter(self.ids_of_type(properties.get("VpcId"), VPC)), None)
            if vpc is None:
                continue
            subnet_vpc[subnet_id] = vpc
            cidr = properties.get("CidrBlock")
            details = [
                "subnet",
                " · ".join(
                    part
                    for part in (availability_zone(properties.get("AvailabilityZone")), cidr)
                    if isinstance(part, str) and part
                ),
            ]
            self.add(subnet_id, Node(subnet_id, label(subnet_id, *details), "box", "network"), vpc)
        for group_id, properties in self.of_type(SECURITY_GROUP).items():
            vpc = next(iter(self.ids_of_type(properties.get("VpcId"), VPC)), None)
            if vpc is None:
                continue
            self.add(group_id, Node(group_id, label(group_id, "security group"), "stadium", "network"), vpc)
        for table_id, properties in self.of_type(ROUTE_TABLE).items():
            vpc = next(iter(self.ids_of_type(properties.get("VpcId"), VPC)), None)
            if vpc is not None:
                self.add(table_id, Node(table_id, label(table_id, "route table"), "box", "network"), vpc)
        for properties in self.of_type(ROUTE_TABLE_ASSOCIATION).values():
            for subnet in self.ids_of_type(properties.get("SubnetId"), SUBNET):
                for route_table in self.ids_of_type(properties.get("RouteTableId"), ROUTE_TABLE):
                    self.diagram.connect(subnet, route_table, "routes by", dotted=True)
        for endpoint_id, properties in self.of_type(VPC_ENDPOINT).items():
            vpc = next(iter(self.ids_of_type(properties.get("VpcId"), VPC)), None)
            if vpc is None:
                continue
            for route_table in self.ids_of_type(properties.get("RouteTableIds"), ROUTE_TABLE):
                self.diagram.connect(route_table, endpoint_id, "route", dotted=True)
            service = endpoint_service(properties.get("ServiceName"))
            kind = f"{properties.get('VpcEndpointType', 'Gateway')} endpoint".lower()
            self.add(endpoint_id, Node(endpoint_id, label(endpoint_id, f"{service} {kind}"), "box", "network"), vpc)
        # Functions and domains with network settings run in their subnets' VPC.
        for function_id, properties in self.functions().items():
            vpc_config = properties.get("VpcConfig") or {}
            vpc = next((subnet_vpc[s] for s in self.ids_of_type(vpc_config.get("SubnetIds"), SUBNET)), None)
            if vpc:
                self.diagram.move(self.node(function_id) or function_id, vpc)
        for domain_id, properties in self.of_type(DOMAIN).items():
            vpc_options = properties.get("VPCOptions") or {}
            vpc = next((subnet_vpc[s] for s in self.ids_of_type(vpc_options.get("SubnetIds"), SUBNET)), None)
            if vpc:
                self.diagram.move(self.node(domain_id) or domain_id, vpc)

    def draw_edge(self) -> None:
        apis = self.of_type(API)
        if not apis:
            return
        self.add_clients()
        protected: set[str] = set()
        for acl_id, properties in self.of_type(WEB_ACL).items():
            rules = [rule.get("Name") for rule in properties.get("Rules") or [] if isinstance(rule.get("Name"), str)]
            scope = properties.get("Scope")
            details = [f"WAF web ACL ({scope.lower()})" if isinstance(scope, str) else "WAF web ACL", *rules]
            self.add(acl_id, Node(acl_id, label(acl_id, *details), "hexagon", "edge"), "layer_edge")
        for association_id, properties in self.of_type(WEB_ACL_ASSOCIATION).items():
            acls = self.ids_of_type(properties.get("WebACLArn"), WEB_ACL)
            targets = self.api_ids(properties.get("ResourceArn"))
            self.drawn.add(association_id)
            for acl in acls:
                self.diagram.connect("clients", acl, "HTTPS")
                for target in targets:
                    self.diagram.connect(acl, target, "allowed requests")
                    protected.add(target)
        for api_id in apis:
            if api_id not in protected:
                self.diagram.connect("clients", api_id, "HTTPS")
        for pool_id in self.of_type(USER_POOL):
            if any(
                pool_id in self.ids_of_type(properties.get("UserPoolId"), USER_POOL)
                for properties in self.of_type("AWS::Cognito::UserPoolClient").values()
            ):
                self.diagram.connect("clients", pool_id, "sign in, tokens", dotted=True)

    def add_clients(self) -> None:
        if "clients" not in self.diagram.nodes:
            self.diagram.add(Node("clients", label("Clients", "HTTPS"), "circle", "edge"), "layer_edge")

    def api_ids(self, value: Any) -> list[str]:
        """The APIs a value names, counting SAM's generated stage (`<Api><Stage>Stage`, `<Api>.Stage`) as its API."""
        apis = self.of_type(API)
        found = set()
        for logical_id, _ in references(value):
            stage_of = {api for api in apis if logical_id.startswith(api) and logical_id.endswith("Stage")}
            found |= stage_of | ({logical_id} & apis.keys())
        return sorted(found)

    def draw_ops(self) -> None:
        alarms = self.of_type(*ALARM_TYPES)
        for topic_id, properties in self.of_type(TOPIC).items():
            protocols = {s.get("Protocol") for s in properties.get("Subscription") or []}
            protocols |= {
                subscription.get("Protocol")
                for subscription in self.of_type(SUBSCRIPTION).values()
                if topic_id in self.ids_of_type(subscription.get("TopicArn"), TOPIC)
            }
            notifies = ", ".join(sorted(p for p in protocols if isinstance(p, str)))
            details = ["SNS topic", f"notifies by {notifies}" if notifies else ""]
            self.add(topic_id, Node(topic_id, label(topic_id, *details), "queue", "ops"), "layer_ops")
        if alarms:
            namespaces = sorted(
                {namespace for properties in alarms.values() for namespace in alarm_namespaces(properties)}
            )
            text = label(f"{len(alarms)} CloudWatch alarms", ", ".join(namespaces))
            self.diagram.add(Node("alarms", text, "box", "ops"), "layer_ops", stands_for=alarms)
            self.drawn.update(alarms)
            states_by_topic: dict[str, set[str]] = defaultdict(set)
            for properties in alarms.values():
                for key, state in ALARM_STATES.items():
                    for topic in self.ids_of_type(properties.get(key), TOPIC):
                        states_by_topic[topic].add(state)
            for topic, states in sorted(states_by_topic.items()):
                ordered = [state for state in ALARM_STATES.values() if state in states]
                self.diagram.connect("alarms", topic, ", ".join(ordered))
        for dashboard_id in self.of_type(DASHBOARD):
            self.add(
                dashboard_id, Node(dashboard_id, label(dashboard_id, "CloudWatch dashboard"), "box", "ops"), "layer_ops"
            )
        log_groups = self.of_type(LOG_GROUP)
        if log_groups:
            retention = {plain(properties.get("RetentionInDays")) for properties in log_groups.values()}
            days = next(iter(retention)) if len(retention) == 1 else ""
            kept = f"kept {days} days" if days.isdigit() else f"kept as parameter {days} says" if days else ""
            functions_log_here = bool(self.ids_of_type(self.function_globals.get("LoggingConfig"), LOG_GROUP))
            text = label(
                f"{len(log_groups)} CloudWatch log groups",
                kept,
                "every function logs to one (Globals)" if functions_log_here else "",
            )
            self.diagram.add(Node("log_groups", text, "box", "ops"), "layer_ops", stands_for=log_groups)
            self.drawn.update(log_groups)
        aliases = self.of_type(KMS_ALIAS)
        for key_id, properties in self.of_type(KMS_KEY).items():
            # A literal alias name where there is one, else (a name built with !Sub) the alias's logical id.
            names = sorted(
                alias["AliasName"] if isinstance(alias.get("AliasName"), str) else alias_id
                for alias_id, alias in aliases.items()
                if key_id in self.ids_of_type(alias.get("TargetKeyId"), KMS_KEY)
            )
            rotation = "rotated yearly" if properties.get("EnableKeyRotation") else ""
            functions = (
                "encrypts every function's environment (Globals)"
                if key_id in self.ids_of_type(self.function_globals.get("KmsKeyArn"), KMS_KEY)
                else ""
            )
            text = label(key_id, "KMS key", *names, rotation, functions)
            self.add(key_id, Node(key_id, text, "box", "ops"), "layer_ops")

    def draw_custom_resources(self) -> None:
        for logical_id, resource in sorted(self.resources.items()):
            kind = str(resource.get("Type", ""))
            if not (kind.startswith("Custom::") or kind == CUSTOM_RESOURCE):
                continue
            text = label(logical_id, f"custom resource {kind}" if kind != CUSTOM_RESOURCE else "custom resource")
            self.add(logical_id, Node(logical_id, text, "box", "ops"), "layer_ops")
            token = (resource.get("Properties") or {}).get("ServiceToken")
            for function in self.ids_of_type(token, FUNCTION, LAMBDA_FUNCTION):
                self.diagram.connect(logical_id, self.node(function) or function, "invokes at each deploy")

    # Edges ---------------------------------------------------------------------------------------------------------

    def draw_routes(self) -> None:
        """API → function for each Api event, through the authorizer the route (or the API by default) names."""
        authorizers = self.authorizers()
        apis = self.of_type(API)
        routes: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for function_id, properties in self.functions().items():
            function = self.node(function_id) or function_id
            for event in sorted_events(properties):
                if event.get("Type") != "Api":
                    continue
                event_properties = event.get("Properties") or {}
                method = str(event_properties.get("Method", "ANY")).upper()
                path = str(event_properties.get("Path", "/"))
                for api_id in self.ids_of_type(event_properties.get("RestApiId"), API) or [self.implicit_api()]:
                    default = ((apis.get(api_id) or {}).get("Auth") or {}).get("DefaultAuthorizer")
                    name = (event_properties.get("Auth") or {}).get("Authorizer", default)
                    authorizer = authorizers.get(api_id, {}).get(name) if isinstance(name, str) else None
                    if authorizer:
                        authorizer_node = self.node(authorizer) or authorizer
                        self.diagram.connect(api_id, authorizer_node, f"{name}: bearer JWT")
                        routes[(authorizer_node, function)].append((method, path))
                    else:
                        routes[(api_id, function)].append((method, path))
        for (source, target), methods_and_paths in routes.items():
            for text in route_labels(methods_and_paths):
                self.diagram.connect(source, target, text)

    def implicit_api(self) -> str:
        """SAM's own API for Api events that name none."""
        if "ServerlessRestApi" not in self.diagram.nodes:
            text = label("ServerlessRestApi", "API Gateway REST API (implicit)")
            self.diagram.add(Node("ServerlessRestApi", text, "hexagon", "api"), "layer_api")
            self.add_clients()
            self.diagram.connect("clients", "ServerlessRestApi", "HTTPS")
        return "ServerlessRestApi"

    def draw_access(self) -> None:
        self.draw_routes()
        for function_id, properties in self.functions().items():
            function = self.node(function_id) or function_id
            policies = properties.get("Policies")
            statements = policy_statements(policies)
            self.draw_environment_access(function, (properties.get("Environment") or {}).get("Variables") or {})
            self.draw_policy_access(function, statements, policies)
            # The endpoint in its environment, or an IAM grant on the domain's ARN, or both.
            domains = set(self.ids_of_type(properties.get("Environment"), DOMAIN))
            domains |= set(self.domains_named_in(statements)) | set(self.domains_named_in(policy_templates(policies)))
            signed = bool(self.domains_named_in(statements)) or any(
                name in SAM_DOMAIN_POLICIES for name, _ in policy_templates(policies)
            )
            for domain in sorted(domains):
                self.diagram.connect(function, self.node(domain) or domain, self.domain_protocol(domain, signed))
        for role_id, properties in self.of_type(ROLE).items():
            if role_id in self.drawn:
                statements = [
                    statement
                    for policy in properties.get("Policies") or []
                    for statement in as_list((policy.get("PolicyDocument") or {}).get("Statement"))
                ]
                self.draw_policy_access(role_id, statements, [])
                for domain in self.domains_named_in(statements):
                    self.diagram.connect(role_id, self.node(domain) or domain, self.domain_protocol(domain, True))
        self.draw_security_groups()
        self.draw_endpoints()

    def draw_environment_access(self, function: str, variables: dict[str, Any]) -> None:
        for pool in self.ids_of_type(variables, USER_POOL):
            self.diagram.connect(pool, function, "JWKS", dotted=True)
        # A dynamic reference: CloudFormation reads the secret into the variable, the function never calls it.
        for secret in self.ids_of_type(variables, SECRET):
            self.diagram.connect(function, secret, "value resolved at deploy", dotted=True)

    def domain_protocol(self, domain_id: str, signed: bool) -> str:
        https = (self.of_type(DOMAIN)[domain_id].get("DomainEndpointOptions") or {}).get("EnforceHTTPS")
        return ", ".join(part for part in ("HTTPS 443" if https else "HTTP", "SigV4" if signed else "") if part)

    def domains_named_in(self, value: Any) -> list[str]:
        """Domains an ARN names by their DomainName (`...:domain/<name>/...`), as IAM grants must: the name, not a
        reference, since the domain's own access policy names the roles (a reference would be a cycle)."""
        found = set()
        for domain_id, properties in self.of_type(DOMAIN).items():
            name = sub_text(properties.get("DomainName"))
            if name and any(f"domain/{name}" in text for text in strings_in(value)):
                found.add(domain_id)
        return sorted(found)

    def draw_policy_access(self, principal: str, statements: list[dict[str, Any]], policies: Any) -> None:
        table_access: dict[str, set[str]] = defaultdict(set)
        table_indexes: dict[str, set[str]] = defaultdict(set)
        for statement in statements:
            if statement.get("Effect", "Allow") != "Allow":
                continue
            actions = [action for action in as_list(statement.get("Action")) if isinstance(action, str)]
            resources = statement.get("Resource")
            for logical_id, attribute in sorted(set(references(resources)), key=str):
                kind = self.type_of(logical_id)
                if kind == TABLE and attribute == "StreamArn":
                    if any(action.split(":", 1)[-1] in DYNAMODB_STREAM_ACTIONS for action in actions):
                        self.diagram.connect(principal, node_id(logical_id, "stream"), "read")
                elif kind == TABLE:
                    table_access[logical_id] |= dynamodb_access(actions)
                    table_indexes[logical_id] |= index_names(resources, logical_id)
                elif kind == QUEUE:
                    self.draw_queue_access(principal, logical_id, actions)
                elif kind == TOPIC and any(action in {"sns:Publish", "sns:*"} for action in actions):
                    self.diagram.connect(principal, logical_id, "publish")
                elif kind in {FUNCTION, LAMBDA_FUNCTION} and any(
                    a in {"lambda:InvokeFunction", "lambda:*"} for a in actions
                ):
                    self.diagram.connect(principal, self.node(logical_id) or logical_id, "invokes")
        for name, parameters in policy_templates(policies):
            for table in self.ids_of_type(parameters, TABLE):
                table_access[table] |= set(SAM_TABLE_POLICIES.get(name, ()))
            for queue in self.ids_of_type(parameters, QUEUE):
                if name in SAM_QUEUE_POLICIES:
                    self.diagram.connect(principal, queue, SAM_QUEUE_POLICIES[name])
            for topic in self.ids_of_type(parameters, TOPIC):
                if name in SAM_TOPIC_POLICIES:
                    self.diagram.connect(principal, topic, SAM_TOPIC_POLICIES[name])
        for table, access in table_access.items():
            indexes = sorted(table_indexes[table])
            text = ", ".join(sorted(access)) + (f" (index {', '.join(indexes)})" if indexes else "")
            if access:
                self.diagram.connect(principal, self.node(table) or table, text)

    def draw_queue_access(self, principal: str, queue: str, actions: list[str]) -> None:
        verbs = {action.split(":", 1)[-1] for action in actions}
        if verbs & {"SendMessage", "SendMessageBatch", "*"}:
            self.diagram.connect(principal, queue, "send")
        if verbs & {"ReceiveMessage", "DeleteMessage", "*"}:
            self.diagram.connect(principal, queue, "receive")

    def draw_event_sources(self) -> None:
        for function_id, properties in self.functions().items():
            function = self.node(function_id) or function_id
            for event in sorted_events(properties):
                kind, event_properties = event.get("Type"), event.get("Properties") or {}
                if kind == "DynamoDB":
                    for table, attribute in references(event_properties.get("Stream")):
                        if self.type_of(table) == TABLE and attribute == "StreamArn":
                            self.diagram.connect(node_id(table, "stream"), function, batch_label(event_properties))
                elif kind in {"SQS", "SNS", "Kinesis"}:
                    for source in self.ids_of_type(event_properties, QUEUE, TOPIC, "AWS::Kinesis::Stream"):
                        self.diagram.connect(self.node(source) or source, function, batch_label(event_properties))
                elif kind in {"Schedule", "ScheduleV2"}:
                    schedule = node_id(function_id, "schedule")
                    expression = event_properties.get("Schedule") or event_properties.get("ScheduleExpression")
                    text = label("EventBridge schedule", expression if isinstance(expression, str) else "")
                    self.diagram.add(Node(schedule, text, "circle", "ops"), "layer_ops")
                    self.diagram.connect(schedule, function, "invokes")
                on_failure = ((event_properties.get("DestinationConfig") or {}).get("OnFailure")) or {}
                for target in self.ids_of_type(on_failure.get("Destination"), QUEUE, TOPIC):
                    self.diagram.connect(function, self.node(target) or target, "failed batches")

    def draw_security_groups(self) -> None:
        groups = self.of_type(SECURITY_GROUP)
        rules: list[tuple[str, dict[str, Any], str]] = []
        for group_id, properties in groups.items():
            rules += [(group_id, rule, "ingress") for rule in properties.get("SecurityGroupIngress") or []]
            rules += [(group_id, rule, "egress") for rule in properties.get("SecurityGroupEgress") or []]
        for standalone_type, direction in ((SECURITY_GROUP_INGRESS, "ingress"), (SECURITY_GROUP_EGRESS, "egress")):
            for properties in self.of_type(standalone_type).values():
                for group_id in self.ids_of_type(properties.get("GroupId"), SECURITY_GROUP):
                    rules.append((group_id, properties, direction))
        for group_id, rule, direction in rules:
            ports = port_range(rule)
            if direction == "ingress":
                for source in self.ids_of_type(rule.get("SourceSecurityGroupId"), SECURITY_GROUP):
                    self.diagram.connect(source, group_id, f"{ports} from {source}")
                cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
                if isinstance(cidr, str):
                    self.diagram.connect(self.cidr_node(cidr, group_id), group_id, f"{ports} from {cidr}")
            else:
                for target in self.ids_of_type(rule.get("DestinationSecurityGroupId"), SECURITY_GROUP):
                    self.diagram.connect(group_id, target, f"{ports} to {target}")
        members: list[tuple[str, Any]] = [
            (function_id, (properties.get("VpcConfig") or {}).get("SecurityGroupIds"))
            for function_id, properties in self.functions().items()
        ]
        members += [
            (domain_id, (properties.get("VPCOptions") or {}).get("SecurityGroupIds"))
            for domain_id, properties in self.of_type(DOMAIN).items()
        ]
        members += [
            (endpoint_id, properties.get("SecurityGroupIds"))
            for endpoint_id, properties in self.of_type(VPC_ENDPOINT).items()
        ]
        for member, group_ids in members:
            for group_id in self.ids_of_type(group_ids, SECURITY_GROUP):
                self.diagram.connect(self.node(member) or member, group_id, "member of", dotted=True)

    def cidr_node(self, cidr: str, group_id: str) -> str:
        cidr_id = node_id("cidr", cidr)
        if cidr_id not in self.diagram.nodes:
            self.diagram.add(Node(cidr_id, label(cidr), "box", "network"), self.diagram.group_of[group_id])
        return cidr_id

    def draw_endpoints(self) -> None:
        service_types = {"dynamodb": TABLE, "s3": "AWS::S3::Bucket", "sqs": QUEUE, "sns": TOPIC}
        for endpoint_id, properties in self.of_type(VPC_ENDPOINT).items():
            resource_type = service_types.get(endpoint_service(properties.get("ServiceName")).lower())
            if resource_type is None:
                continue
            # A policy on the endpoint names what may be reached through it; without one, all of that service.
            named = self.ids_of_type(properties.get("PolicyDocument"), resource_type)
            for target in named or list(self.of_type(resource_type)):
                self.diagram.connect(endpoint_id, self.node(target) or target, "private route", dotted=True)

    def draw_encryption(self) -> None:
        keys = self.of_type(KMS_KEY)
        aliases = {
            alias_id: self.ids_of_type(properties.get("TargetKeyId"), KMS_KEY)
            for alias_id, properties in self.of_type(KMS_ALIAS).items()
        }
        for logical_id, resource in sorted(self.resources.items()):
            if resource.get("Type") in (KMS_KEY, KMS_ALIAS):
                continue
            target = self.node(logical_id)
            if target is None:
                continue
            for value in kms_key_values(resource.get("Properties") or {}):
                for referenced, _ in references(value):
                    for key in [referenced] if referenced in keys else aliases.get(referenced, []):
                        self.diagram.connect(key, target, "encrypts", dotted=True)
        self.drawn.update(aliases)

    def draw_logging(self) -> None:
        """What writes to the log groups: a resource that names one, or that a logging resource attaches one to."""
        if "log_groups" not in self.diagram.nodes:
            return
        for logical_id, resource in sorted(self.resources.items()):
            kind = resource.get("Type")
            properties = resource.get("Properties") or {}
            if kind in LOG_ATTACHMENT_TYPES:
                sources = [
                    ref for ref, _ in references({k: v for k, v in properties.items() if k.startswith("Resource")})
                ]
                self.drawn.add(logical_id)
            elif kind != LOG_GROUP and self.node(logical_id):
                sources = [logical_id]
            else:
                continue
            if not self.ids_of_type(properties, LOG_GROUP):
                continue
            for source in sources:
                target = self.node(source) or (source if source in self.diagram.groups else None)
                if target and target != "log_groups":
                    self.diagram.connect(target, "log_groups", "logs", dotted=True)

    def draw_leftovers(self) -> None:
        """Whatever the template holds that no node stands for, by type, so that nothing is left out unseen."""
        counts: dict[str, list[str]] = defaultdict(list)
        rendered = self.diagram.render()
        for logical_id, resource in sorted(self.resources.items()):
            # Anything whose id the drawing does not show: folded resources and log attachments included.
            if not re.search(rf"\b{re.escape(logical_id)}\b", rendered):
                counts[str(resource.get("Type", "?")).removeprefix("AWS::")].append(logical_id)
        if counts:
            lines = [
                f"{kind}: {', '.join(ids)}" if len(ids) <= 3 else f"{len(ids)} × {kind}"
                for kind, ids in sorted(counts.items())
            ]
            self.diagram.add(Node("other_resources", label("Also in the template", *lines), "box", "ops"), "layer_ops")


# --- helpers over properties -----------------------------------------------------------------------------------------


def route_labels(methods_and_paths: list[tuple[str, str]]) -> list[str]:
    """One label per route, but a method one function serves on many paths (CORS preflight) as their count."""
    paths_by_method: dict[str, list[str]] = defaultdict(list)
    for method, path in methods_and_paths:
        paths_by_method[method].append(path)
    labels = []
    for method, paths in sorted(paths_by_method.items()):
        if len(paths) > ROUTES_PER_EDGE:
            labels.append(f"{method} on {len(paths)} paths")
        else:
            labels += [f"{method} {path}" for path in sorted(paths)]
    return labels


def sorted_events(properties: dict[str, Any]) -> list[dict[str, Any]]:
    events = properties.get("Events") or {}
    return [events[name] for name in sorted(events) if isinstance(events[name], dict)]


def policy_statements(policies: Any) -> list[dict[str, Any]]:
    """The inline statements of a SAM function's Policies (a list of statements blocks, documents and templates)."""
    statements: list[dict[str, Any]] = []
    for policy in as_list(policies):
        if isinstance(policy, dict) and "Statement" in policy:
            statements += [s for s in as_list(policy["Statement"]) if isinstance(s, dict)]
    return statements


def policy_templates(policies: Any) -> list[tuple[str, Any]]:
    return [
        (name, parameters)
        for policy in as_list(policies)
        if isinstance(policy, dict) and "Statement" not in policy
        for name, parameters in sorted(policy.items())
    ]


def dynamodb_access(actions: list[str]) -> set[str]:
    access = set()
    for action in actions:
        service, _, verb = action.partition(":")
        if service != "dynamodb" or verb in DYNAMODB_STREAM_ACTIONS:
            continue
        if verb == "*":
            access |= {"read", "write"}
        else:
            access.add("read" if verb.startswith(DYNAMODB_READ_PREFIXES) else "write")
    return access


def index_names(resources: Any, table_id: str) -> set[str]:
    """Indexes a statement grants by ARN (`${Table.Arn}/index/<name>`)."""
    names = set()
    for text in strings_in(resources):
        match = re.search(r"\$\{" + re.escape(table_id) + r"\.Arn\}/index/([^/\s\"]+)", text)
        if match:
            names.add(match.group(1))
    return names


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings_in(inner)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def kms_key_values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.lower() in KMS_KEY_PROPERTIES:
                yield inner
            else:
                yield from kms_key_values(inner)
    elif isinstance(value, list):
        for item in value:
            yield from kms_key_values(item)


def plain(value: Any) -> str:
    """A property as written: a literal, or the parameter it takes."""
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return value["Ref"]
    return "" if value is None or isinstance(value, dict | list) else str(value)


def availability_zone(value: Any) -> str:
    """`!Select [n, !GetAZs ...]` → "AZ n"; a literal zone as written."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Select"), list) and value["Fn::Select"]:
        return f"AZ {value['Fn::Select'][0]}"
    return ""


def endpoint_service(value: Any) -> str:
    """The service of an endpoint's `com.amazonaws.<region>.<service>` name."""
    text = sub_text(value)
    if not text and isinstance(value, dict) and "Fn::Join" in value:
        text = "".join(part for part in value["Fn::Join"][1] if isinstance(part, str))
    service = text.rsplit(".", 1)[-1] if text else "?"
    return {"dynamodb": "DynamoDB", "s3": "S3"}.get(service, service)


def port_range(rule: dict[str, Any]) -> str:
    protocol = str(rule.get("IpProtocol", "tcp"))
    if protocol in {"-1", "all"}:
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort", rule.get("FromPort"))
    ports = str(low) if low == high else f"{low}-{high}"
    return ports if protocol.lower() == "tcp" else f"{protocol.upper()} {ports}"


def batch_label(properties: dict[str, Any]) -> str:
    size = properties.get("BatchSize")
    parts = [f"batches of ≤ {size}" if isinstance(size, int) else "batches"]
    if properties.get("FilterCriteria"):
        parts.append("filtered")
    return ", ".join(parts)


def alarm_namespaces(properties: dict[str, Any]) -> set[str]:
    namespaces = {properties["Namespace"]} if isinstance(properties.get("Namespace"), str) else set()
    for metric in properties.get("Metrics") or []:
        namespace = (((metric.get("MetricStat") or {}).get("Metric")) or {}).get("Namespace")
        if isinstance(namespace, str):
            namespaces.add(namespace)
    return namespaces


# --- the pipeline template ---------------------------------------------------------------------------------------


def draw_pipelines(diagram: Diagram, template: dict[str, Any]) -> None:
    for pipeline_id, resource in sorted((template.get("Resources") or {}).items()):
        if resource.get("Type") != PIPELINE_TYPE:
            continue
        group = node_id("delivery", pipeline_id)
        diagram.group(group, f"Delivery: CodePipeline {pipeline_id} (pipeline.yaml)", "pipeline")
        previous = None
        for stage in (resource.get("Properties") or {}).get("Stages") or []:
            stage_name = str(stage.get("Name", "?"))
            actions = sorted(
                stage.get("Actions") or [], key=lambda action: (action.get("RunOrder", 1), action.get("Name", ""))
            )
            lines = [describe_action(action) for action in actions]
            stage_node = node_id(pipeline_id, stage_name)
            diagram.add(Node(stage_node, label(stage_name, *lines), "box", "pipeline"), group)
            if previous:
                diagram.connect(previous, stage_node)
            previous = stage_node


def describe_action(action: dict[str, Any]) -> str:
    type_id = action.get("ActionTypeId") or {}
    category, provider = type_id.get("Category"), type_id.get("Provider")
    configuration = action.get("Configuration") or {}
    target = next(
        (
            logical_id
            for key in ("ProjectName", "StackName", "FunctionName")
            for logical_id, _ in references(configuration.get(key))
        ),
        None,
    )
    # A stack is named, not referenced: it is the application's, not a resource of the pipeline template.
    target = target or sub_text(configuration.get("StackName"))
    what = "manual approval" if category == "Approval" else " ".join(part for part in (provider, target) if part)
    return f"{action.get('Name', '?')}: {what}" if what else str(action.get("Name", "?"))


# --- entry points ------------------------------------------------------------------------------------------------


def mermaid(template: dict[str, Any], pipeline: dict[str, Any] | None = None) -> str:
    application = Application(template)
    diagram = application.draw()
    if pipeline:
        draw_pipelines(diagram, pipeline)
    return diagram.render()


def mermaid_from_files(template_path: Path = TEMPLATE, pipeline_path: Path = PIPELINE) -> str:
    pipeline = load_template(pipeline_path) if pipeline_path.exists() else None
    return mermaid(load_template(template_path), pipeline)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--pipeline", type=Path, default=PIPELINE, help="drawn when the file exists")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    arguments = parser.parse_args(argv)
    text = mermaid_from_files(arguments.template, arguments.pipeline)
    if arguments.output:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
