"""Draws the architecture from template.yaml (and pipeline.yaml when it exists), with AWS's icons.

Two pictures come out of one reading of the templates: an overview an architect would sketch (route functions
grouped by the path they serve, with their count; the VPC with its subnets, security groups and endpoints; the
numbered data flows and a legend) and a detailed view with one box per function. Everything drawn is read by
resource type and property: the routes from the functions' Api events, who reads and writes what from their IAM
statements, the stream from the event source mappings, what sits in the VPC from VpcConfig and VPCOptions, the
storefront from the CloudFront distributions' origins, the pipeline's stages from pipeline.yaml. Whatever the
overview does not draw is listed in a note, by type.

The output is Graphviz source (`docs/architecture.dot`, `docs/architecture-detail.dot`), written through the
`diagrams` package's nodes, clusters and edges, with icon paths relative to its resources folder: deterministic text
that a test compares with the templates without Graphviz. `--render` also runs Graphviz (`dot`) to draw each as SVG
(icons embedded, so the file stands alone) and PNG; `make diagram` does both.

    python -m scripts.diagram [--template T] [--pipeline P] [--output-dir docs] [--render]
"""

import argparse
import base64
import ipaddress
import itertools
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import diagrams
from diagrams import Cluster, Diagram, setdiagram
from diagrams.aws.analytics import AmazonOpensearchService
from diagrams.aws.compute import Lambda
from diagrams.aws.database import DynamodbStreams, DynamodbTable
from diagrams.aws.devtools import Codebuild, Codepipeline
from diagrams.aws.engagement import SimpleEmailServiceSes
from diagrams.aws.general import Users
from diagrams.aws.integration import Eventbridge, SimpleNotificationServiceSnsTopic, SimpleQueueServiceSqsQueue
from diagrams.aws.management import Cloudformation, Cloudwatch
from diagrams.aws.network import APIGateway, CloudFront, Endpoint, PrivateSubnet
from diagrams.aws.security import (
    WAF,
    Cognito,
    IdentityAndAccessManagementIamRole,
    KeyManagementService,
    SecretsManager,
)
from diagrams.aws.storage import SimpleStorageServiceS3Bucket

from devstack.template import load_template

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
PIPELINE = REPO_ROOT / "pipeline.yaml"
DOCS = REPO_ROOT / "docs"
OVERVIEW = "architecture"
DETAIL = "architecture-detail"
# The icons' folder: the committed source names icons relative to it, Graphviz finds them through `imagepath`.
ICON_ROOT = Path(diagrams.__file__).resolve().parent.parent / "resources"

HEADER = "// Generated from template.yaml and pipeline.yaml by scripts/diagram.py (`make diagram`): do not edit."
# The overview must read at page width: Graphviz scales it down to this size (inches at 96 dpi: 1,920 px).
PAGE_WIDTH_INCHES = 20

FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (FUNCTION, LAMBDA_FUNCTION)
API = "AWS::Serverless::Api"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
EVENT_BUS = "AWS::Events::EventBus"
WEBSOCKET = "AWS::ApiGatewayV2::"
SES = "AWS::SES::"
SES_SEND_ACTIONS = {"ses:SendEmail", "ses:SendTemplatedEmail", "ses:SendRawEmail", "ses:SendBulkEmail", "ses:*"}
SAM_SES_POLICIES = {"SESCrudPolicy", "SESBulkTemplatedCrudPolicy", "SESBulkTemplatedCrudPolicy_v2"}
EVENT_RULE = "AWS::Events::Rule"
SUBSCRIPTION = "AWS::SNS::Subscription"
DOMAIN = "AWS::OpenSearchService::Domain"
USER_POOL = "AWS::Cognito::UserPool"
POOL_PARTS = {
    "AWS::Cognito::UserPoolClient": "app client",
    "AWS::Cognito::UserPoolGroup": "group",
    "AWS::Cognito::UserPoolDomain": "hosted domain",
}
SECRET = "AWS::SecretsManager::Secret"
WEB_ACL = "AWS::WAFv2::WebACL"
WEB_ACL_ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
DISTRIBUTION = "AWS::CloudFront::Distribution"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"
CLOUDFRONT = "AWS::CloudFront::"
# The CloudFront resources that configure a distribution: (one, many).
CLOUDFRONT_PARTS = {
    "OriginAccessControl": ("origin access control", "origin access controls"),
    "CachePolicy": ("cache policy", "cache policies"),
    "OriginRequestPolicy": ("origin request policy", "origin request policies"),
    "ResponseHeadersPolicy": ("headers policy", "headers policies"),
    "Function": ("CloudFront function", "CloudFront functions"),
}
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
SECURITY_GROUP_INGRESS = "AWS::EC2::SecurityGroupIngress"
SECURITY_GROUP_EGRESS = "AWS::EC2::SecurityGroupEgress"
VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
ROUTE_TABLE = "AWS::EC2::RouteTable"
ROUTE_TABLE_ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"
FLOW_LOG = "AWS::EC2::FlowLog"
KMS_KEY = "AWS::KMS::Key"
KMS_ALIAS = "AWS::KMS::Alias"
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
ALARM_STATES = {"AlarmActions": "alarm", "OKActions": "ok", "InsufficientDataActions": "no data"}
LOG_GROUP = "AWS::Logs::LogGroup"
DASHBOARD = "AWS::CloudWatch::Dashboard"
ROLE = "AWS::IAM::Role"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"

# The property names CloudFormation uses, resource type by resource type, for "encrypted with this KMS key".
KMS_KEY_PROPERTIES = {"kmskeyid", "kmskeyarn", "kmsmasterkeyid", "kmsmasterkeyarn"}
DYNAMODB_STREAM_ACTIONS = {"GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"}
DYNAMODB_READ_PREFIXES = ("Get", "BatchGet", "Query", "Scan", "Describe", "ConditionCheck", "List", "PartiQLSelect")
# SAM policy templates that grant access, by what they allow.
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
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY")

# Rules that name no bus are on the account's default bus, drawn as this box.
DEFAULT_BUS = "default_event_bus"
# The data flows, numbered in this order among those the templates hold: kind → (title, colour).
FLOWS = {
    "request": ("API request: client → WAF → API → authorizer → function → table", "#1F5FA8"),
    "index": ("Indexing: table stream → indexer → search domain", "#C2410C"),
    "events": ("Events: publisher → event bus → rule → consumer → WebSocket push, email", "#0E7490"),
    "storefront": ("Storefront: browser → CloudFront → S3 bucket, then the API", "#15803D"),
    "delivery": ("Delivery: the pipeline's stages deploy the stack", "#7E22CE"),
}
QUIET = "#8A96A3"
# Characters a box's label line holds under its icon.
LABEL_WIDTH = 24
# An icon's side, in points.
ICON_SIZE = 48
# Characters a frame's title line holds.
FRAME_TITLE_WIDTH = 44

# Each box's icon: a `diagrams` node class.
ICONS: dict[str, type[diagrams.Node]] = {
    "clients": Users,
    "waf": WAF,
    "cloudfront": CloudFront,
    "bucket": SimpleStorageServiceS3Bucket,
    "pool": Cognito,
    "api": APIGateway,
    "function": Lambda,
    "table": DynamodbTable,
    "stream": DynamodbStreams,
    "queue": SimpleQueueServiceSqsQueue,
    "bus": Eventbridge,
    "email": SimpleEmailServiceSes,
    "topic": SimpleNotificationServiceSnsTopic,
    "search": AmazonOpensearchService,
    "subnet": PrivateSubnet,
    "endpoint": Endpoint,
    "key": KeyManagementService,
    "secret": SecretsManager,
    "monitoring": Cloudwatch,
    "role": IdentityAndAccessManagementIamRole,
    "custom": Cloudformation,
    "pipeline_source": Codepipeline,
    "pipeline_build": Codebuild,
    "pipeline_deploy": Cloudformation,
    "pipeline_approval": Users,
}

# Frame (cluster) styles, after AWS's architecture icons' group colours.
FRAME_STYLES = {
    "cloud": {"pencolor": "#232F3E", "bgcolor": "#FFFFFF", "penwidth": "1.5", "style": "solid"},
    "vpc": {"pencolor": "#8C4FFF", "bgcolor": "#FAF7FF", "penwidth": "1.5", "style": "solid"},
    "subnets": {"pencolor": "#00A4A6", "bgcolor": "#E6F6F7", "style": "solid"},
    "security_group": {"pencolor": "#DD344C", "bgcolor": "#FFFFFF", "style": "dashed"},
    "group": {"pencolor": "#AEB6BE", "bgcolor": "#F7F8F9", "style": "rounded"},
    "pipeline": {"pencolor": "#7E22CE", "bgcolor": "#FAF5FF", "style": "rounded"},
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


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings_in(inner)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


# --- the picture: boxes in frames, and arrows ----------------------------------------------------------------------


@dataclass
class Box:
    id: str
    icon: str
    lines: list[str]
    frame: str | None
    # The logical ids this box stands for (a group of functions stands for each of them).
    stands_for: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return "\n".join(part for line in self.lines if line for part in wrap(line, LABEL_WIDTH))


@dataclass
class Frame:
    id: str
    title: str
    style: str
    parent: str | None
    # "row": its boxes side by side (a VPC's endpoints); "column": one under the other, beside
    # the flows (the operations' services); "": wherever the arrows put them.
    layout: str = ""
    # The logical ids this frame stands for (a VPC and its flow log, subnets, security groups and their rules).
    stands_for: set[str] = field(default_factory=set)


@dataclass(frozen=True, order=True)
class Arrow:
    source: str
    target: str
    label: str
    # The number of the data flow it belongs to (0: none, drawn quiet and dashed).
    flow: int = 0


@dataclass
class Picture:
    title: str
    frames: dict[str, Frame] = field(default_factory=dict)
    boxes: dict[str, Box] = field(default_factory=dict)
    # (source, target, flow) → the parts of its label, in the order they were drawn.
    arrow_texts: dict[tuple[str, str, int], dict[str, None]] = field(default_factory=lambda: defaultdict(dict))
    # Flow number → (title, colour), for the legend.
    flows: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Resources drawn by no box: "type: ids" lines, shown in a note.
    not_drawn: list[str] = field(default_factory=list)

    def frame(
        self,
        frame_id: str,
        title: str,
        style: str,
        parent: str | None = None,
        layout: str = "",
        stands_for: Iterable[str] = (),
    ) -> str:
        if frame_id not in self.frames:
            self.frames[frame_id] = Frame(frame_id, title, style, parent, layout)
        self.frames[frame_id].stands_for.update(stands_for)
        return frame_id

    def box(self, box_id: str, icon: str, lines: list[str], frame: str | None, stands_for: set[str]) -> str:
        self.boxes[box_id] = Box(box_id, icon, lines, frame, set(stands_for))
        return box_id

    def connect(self, source: str, target: str, text: str = "", flow: int = 0) -> None:
        parts = self.arrow_texts[(source, target, flow)]
        for part in text.split(", ") if text else []:
            parts[part] = None

    @property
    def arrows(self) -> list[Arrow]:
        found = []
        for (source, target, flow), texts in self.arrow_texts.items():
            if source == target or not {source, target} <= self.boxes.keys():
                continue
            # Several functions of a group reading the same table say it once: "read, write".
            # Methods in their usual order; otherwise alphabetical, what an index is read through last.
            if all(t in METHOD_ORDER for t in texts):
                ordered = sorted(texts, key=method_order)
            else:
                ordered = sorted(texts, key=lambda t: (t.startswith("index "), t))
            text = ", ".join(ordered)
            found.append(Arrow(source, target, f"{flow} {text}".strip() if flow else text, flow))
        return sorted(found)

    def frames_around(self, box_id: str) -> list[str]:
        """The frames enclosing a box, innermost first."""
        chain, frame = [], self.boxes[box_id].frame
        while frame:
            chain.append(frame)
            frame = self.frames[frame].parent
        return chain

    def drawn(self) -> set[str]:
        """The logical ids some box or frame stands for."""
        shapes: list[Box | Frame] = [*self.boxes.values(), *self.frames.values()]
        return {logical_id for shape in shapes for logical_id in shape.stands_for}

    def box_for(self, logical_id: str) -> str | None:
        return next((box.id for box in self.boxes.values() if logical_id in box.stands_for), None)


# --- reading the application template -------------------------------------------------------------------------------


@dataclass
class Socket:
    """A WebSocket API as the drawing needs it."""

    stages: list[str] = field(default_factory=list)
    routes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    authorizers: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


@dataclass
class RouteUse:
    """One function's routes, split by the authorizer that guards them ("" for none)."""

    api: str
    methods_by_authorizer: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))


class Architect:
    """Reads the application template (and the pipeline's) and lays out the picture."""

    def __init__(self, template: dict[str, Any], pipeline: dict[str, Any] | None, detailed: bool) -> None:
        self.template = template
        self.resources: dict[str, dict[str, Any]] = template.get("Resources", {}) or {}
        self.parameters: dict[str, Any] = template.get("Parameters", {}) or {}
        self.function_globals: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}
        self.pipeline = pipeline
        self.detailed = detailed
        title = "Architecture, detailed: one box per function" if detailed else "Architecture"
        self.picture = Picture(f"{title} (generated from the templates by make diagram)")
        self.flow_numbers: dict[str, int] = {}

    # Lookups ------------------------------------------------------------------------------------------------------

    def of_type(self, *resource_types: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties", {}) or {}
            for logical_id, resource in sorted(self.resources.items())
            if resource.get("Type") in resource_types
        }

    def type_of(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if resource else None

    def ids_of_type(self, value: Any, *resource_types: str) -> list[str]:
        return sorted({logical_id for logical_id, _ in references(value) if self.type_of(logical_id) in resource_types})

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type(*FUNCTION_TYPES)

    def value(self, value: Any) -> Any:
        """A property as deployed by default: a Ref to a parameter is its default."""
        if isinstance(value, dict) and isinstance(value.get("Ref"), str) and value["Ref"] in self.parameters:
            return (self.parameters[value["Ref"]] or {}).get("Default", value["Ref"])
        return value

    def box_of(self, logical_id: str) -> str | None:
        return self.picture.box_for(logical_id)

    def flow(self, kind: str) -> int:
        """The number of a kind of flow, given in FLOWS' order to the kinds the templates hold."""
        if kind not in self.flow_numbers:
            raise KeyError(kind)
        return self.flow_numbers[kind]

    # The picture ----------------------------------------------------------------------------------------------------

    def draw(self) -> Picture:
        self.number_flows()
        picture = self.picture
        picture.frame("cloud", "AWS Cloud: the stack of template.yaml", "cloud")
        self.draw_edge()
        self.draw_identity()
        self.draw_apis()
        self.draw_network()
        self.draw_functions()
        self.draw_data()
        self.draw_operations()
        self.draw_routes()
        self.draw_access()
        self.draw_event_sources()
        self.draw_pipeline()
        self.list_not_drawn()
        picture.flows = {number: FLOWS[kind] for kind, number in self.flow_numbers.items()}
        return picture

    def number_flows(self) -> None:
        present = {
            "request": bool(self.of_type(API)) or any(self.routes_of(f) for f in self.functions()),
            "index": any(self.stream_events(properties) for properties in self.functions().values()),
            "events": bool(self.event_buses() or self.websocket_apis()),
            "storefront": bool(self.storefront_origins()),
            "delivery": bool(self.pipelines()),
        }
        for kind in FLOWS:
            if present[kind]:
                self.flow_numbers[kind] = len(self.flow_numbers) + 1

    # Edge, identity, API ---------------------------------------------------------------------------------------------

    def draw_edge(self) -> None:
        picture = self.picture
        if self.of_type(API, DISTRIBUTION) or any(self.routes_of(f) for f in self.functions()):
            picture.box("clients", "clients", ["Browsers and API clients"], None, set())
        for acl_id, properties in self.of_type(WEB_ACL).items():
            rules = [rule.get("Name") for rule in properties.get("Rules") or [] if isinstance(rule.get("Name"), str)]
            scope = properties.get("Scope")
            kind = f"WAF web ACL ({scope.lower()})" if isinstance(scope, str) else "WAF web ACL"
            named = wrap(", ".join(rules), 26) if self.detailed else [f"{len(rules)} rules"]
            lines = [acl_id, kind, *(named if rules else [])]
            picture.box(acl_id, "waf", lines, "cloud", {acl_id})
        for distribution_id, properties in self.of_type(DISTRIBUTION).items():
            # The CloudFront resources it names (origin access control, cache and headers policies) configure it.
            parts = sorted({i for i, _ in references(properties) if str(self.type_of(i)).startswith(CLOUDFRONT)})
            counts = Counter(str(self.type_of(part)).removeprefix(CLOUDFRONT) for part in parts)
            lines = [distribution_id, "CloudFront distribution"]
            lines += [counted(n, CLOUDFRONT_PARTS.get(kind, (kind, kind + "s"))) for kind, n in sorted(counts.items())]
            picture.box(distribution_id, "cloudfront", lines, "cloud", {distribution_id, *parts})
        for bucket_id in self.of_type(BUCKET):
            served = any(bucket_id in origins for origins in self.storefront_origins().values())
            kind = "S3 bucket: the storefront" if served else "S3 bucket"
            policies = {
                policy_id
                for policy_id, policy in self.of_type(BUCKET_POLICY).items()
                if bucket_id in self.ids_of_type(policy.get("Bucket"), BUCKET)
            }
            picture.box(bucket_id, "bucket", [bucket_id, kind], "cloud", {bucket_id, *policies})

    def storefront_origins(self) -> dict[str, list[str]]:
        """Each distribution → the buckets its origins name (by Ref, GetAtt or Sub)."""
        found = {}
        for distribution_id, properties in self.of_type(DISTRIBUTION).items():
            origins = (properties.get("DistributionConfig") or {}).get("Origins") or []
            buckets = self.ids_of_type(origins, BUCKET)
            if buckets:
                found[distribution_id] = buckets
        return found

    def draw_identity(self) -> None:
        for pool_id in self.of_type(USER_POOL):
            parts: dict[str, list[str]] = defaultdict(list)
            for part_type, name in POOL_PARTS.items():
                for part_id, properties in self.of_type(part_type).items():
                    if pool_id in self.ids_of_type(properties.get("UserPoolId"), USER_POOL):
                        parts[name].append(part_id)
            lines = [pool_id, "Cognito user pool"]
            lines += [f"{name}: {', '.join(ids)}" for name, ids in sorted(parts.items())]
            self.picture.box(pool_id, "pool", lines, "cloud", {pool_id, *(i for ids in parts.values() for i in ids)})

    def authorizers(self) -> dict[str, dict[str, str]]:
        """For each API: its authorizers' names → the function each one invokes."""
        found: dict[str, dict[str, str]] = {}
        for api_id, properties in self.of_type(API).items():
            authorizers = (properties.get("Auth") or {}).get("Authorizers") or {}
            found[api_id] = {
                name: functions[0]
                for name, authorizer in sorted(authorizers.items())
                if (functions := self.ids_of_type(authorizer.get("FunctionArn"), *FUNCTION_TYPES))
            }
        return found

    def draw_apis(self) -> None:
        for api_id, properties in self.of_type(API).items():
            stage = properties.get("StageName")
            lines = [api_id, "API Gateway REST API", f"stage {stage}" if isinstance(stage, str) else ""]
            self.picture.box(api_id, "api", lines, "cloud", {api_id})
        for api_id, socket in self.websocket_apis().items():
            stages = [f"stage {stage}" for stage in socket.stages]
            lines = [api_id, "API Gateway WebSocket API", *stages]
            self.picture.box(api_id, "api", lines, "cloud", {api_id, *socket.parts})
        templates = self.of_type(SES + "Template")
        ses_parts = [i for i, r in sorted(self.resources.items()) if str(r.get("Type", "")).startswith(SES)]
        if ses_parts or any(self.sends_email(p) for p in self.functions().values()):
            lines = ["SES", "Simple Email Service", counted(len(templates), ("email template", "email templates"))]
            self.picture.box("email", "email", lines, "cloud", set(ses_parts))
        if any(route.api == "ServerlessRestApi" for f in self.functions() for route in self.routes_of(f)):
            self.picture.box(
                "ServerlessRestApi", "api", ["ServerlessRestApi", "API Gateway (SAM's implicit)"], "cloud", set()
            )

    def websocket_apis(self) -> dict[str, "Socket"]:
        """Each WebSocket API: its stages, its routes' keys by the function they call, its authorizers' functions,
        and the ApiGatewayV2 resources that configure it (stage, routes, integrations, authorizers, deployment)."""
        found: dict[str, Socket] = {}
        for api_id, properties in self.of_type(WEBSOCKET + "Api").items():
            if properties.get("ProtocolType") != "WEBSOCKET":
                continue
            socket = Socket()
            parts = {
                logical_id: resource.get("Properties") or {}
                for logical_id, resource in sorted(self.resources.items())
                if str(resource.get("Type", "")).startswith(WEBSOCKET)
                and api_id in self.ids_of_type((resource.get("Properties") or {}).get("ApiId"), WEBSOCKET + "Api")
            }
            socket.parts = list(parts)
            integrations = {
                part: self.ids_of_type(p.get("IntegrationUri"), *FUNCTION_TYPES)
                for part, p in parts.items()
                if self.type_of(part) == WEBSOCKET + "Integration"
            }
            for part, p in parts.items():
                kind = self.type_of(part)
                if kind == WEBSOCKET + "Stage" and isinstance(p.get("StageName"), str):
                    socket.stages.append(p["StageName"])
                elif kind == WEBSOCKET + "Authorizer":
                    socket.authorizers += self.ids_of_type(p.get("AuthorizerUri"), *FUNCTION_TYPES)
                elif kind == WEBSOCKET + "Route":
                    for integration, _ in references(p.get("Target")):
                        for function_id in integrations.get(integration, []):
                            socket.routes[function_id].append(str(p.get("RouteKey", "?")))
            found[api_id] = socket
        return found

    def sends_email(self, properties: dict[str, Any]) -> bool:
        policies = properties.get("Policies")
        statements = policy_statements(policies) + self.managed_statements(policies)
        return any(
            set(as_list(statement.get("Action"))) & SES_SEND_ACTIONS
            for statement in statements
            if statement.get("Effect", "Allow") == "Allow"
        ) or any(name in SAM_SES_POLICIES for name, _ in policy_templates(policies))

    def routes_of(self, function_id: str) -> list[RouteUse]:
        """The function's Api events, by API and by the authorizer each route names (or the API's default)."""
        properties = self.functions().get(function_id) or {}
        apis = self.of_type(API)
        authorizers = self.authorizers()
        uses: dict[str, RouteUse] = {}
        for event in sorted_events(properties):
            if event.get("Type") != "Api":
                continue
            event_properties = event.get("Properties") or {}
            method = str(event_properties.get("Method", "ANY")).upper()
            path = str(event_properties.get("Path", "/"))
            for api_id in self.ids_of_type(event_properties.get("RestApiId"), API) or ["ServerlessRestApi"]:
                default = ((apis.get(api_id) or {}).get("Auth") or {}).get("DefaultAuthorizer")
                name = (event_properties.get("Auth") or {}).get("Authorizer", default)
                authorizer = authorizers.get(api_id, {}).get(name, "") if isinstance(name, str) else ""
                uses.setdefault(api_id, RouteUse(api_id)).methods_by_authorizer[authorizer].append((method, path))
        return [uses[api] for api in sorted(uses)]

    # The network -----------------------------------------------------------------------------------------------------

    def vpc_placement(self, subnet_ids: Any, group_ids: Any) -> str | None:
        """The frame for a member of a VPC: its security groups' frame inside its subnets' frame."""
        subnets = self.ids_of_type(subnet_ids, SUBNET)
        groups = self.ids_of_type(group_ids, SECURITY_GROUP)
        if not subnets:
            return None
        vpcs = self.ids_of_type([self.resources[s].get("Properties", {}).get("VpcId") for s in subnets], VPC)
        if not vpcs:
            return None
        subnet_frame = self.picture.frame(
            "subnets_" + "_".join(subnets),
            self.subnets_title(subnets),
            "subnets",
            self.vpc_frame(vpcs[0]),
            stands_for=subnets,
        )
        if not groups:
            return subnet_frame
        return self.security_group_frame(groups, subnet_frame)

    def security_group_frame(self, groups: list[str], parent: str) -> str:
        """A frame for members of these security groups, titled with their ingress rules; it stands for the groups
        and their standalone rules."""
        standalone = [
            rule_id
            for rule_id, rule in self.of_type(SECURITY_GROUP_INGRESS, SECURITY_GROUP_EGRESS).items()
            if set(self.ids_of_type(rule.get("GroupId"), SECURITY_GROUP)) & set(groups)
        ]
        rules = [rule for group in groups for rule in self.ingress_rules(group)]
        title = "security group " + ", ".join(groups) + (f": in {'; '.join(rules)}" if rules else "")
        return self.picture.frame(
            f"{parent}__{'_'.join(groups)}", title, "security_group", parent, stands_for=[*groups, *standalone]
        )

    def vpc_frame(self, vpc_id: str) -> str:
        properties = self.of_type(VPC)[vpc_id]
        cidr = self.value(properties.get("CidrBlock"))
        flow_logs = [
            log_id
            for log_id, log in self.of_type(FLOW_LOG).items()
            if vpc_id in self.ids_of_type(log.get("ResourceId"), VPC)
        ]
        details = [f"VPC {vpc_id}", cidr if isinstance(cidr, str) else "", "flow logs on" if flow_logs else ""]
        title = " · ".join(part for part in details if part)
        return self.picture.frame(vpc_id, title, "vpc", "cloud", stands_for=[vpc_id, *flow_logs])

    def subnet_text(self, subnet_id: str) -> str:
        properties = self.of_type(SUBNET)[subnet_id]
        parts = [availability_zone(properties.get("AvailabilityZone")), self.cidr(properties.get("CidrBlock"))]
        return f"{subnet_id} ({', '.join(part for part in parts if part)})"

    def subnets_title(self, subnets: list[str]) -> str:
        return "private subnets: " + ", ".join(self.subnet_text(subnet) for subnet in subnets)

    def cidr(self, value: Any) -> str:
        """A literal block, or `!Select [i, !Cidr [block, count, bits]]` worked out from the block's default."""
        value = self.value(value)
        if isinstance(value, str):
            return value
        select = value.get("Fn::Select") if isinstance(value, dict) else None
        if isinstance(select, list) and len(select) == 2 and isinstance(select[1], dict) and "Fn::Cidr" in select[1]:
            block, count, bits = (self.value(part) for part in select[1]["Fn::Cidr"])
            try:
                network = ipaddress.ip_network(str(block))
                subnets = list(network.subnets(new_prefix=network.max_prefixlen - int(bits)))[: int(count)]
                return str(subnets[int(select[0])])
            except (ValueError, IndexError):
                return ""
        return ""

    def ingress_rules(self, group_id: str) -> list[str]:
        properties = self.of_type(SECURITY_GROUP)[group_id]
        rules = list(properties.get("SecurityGroupIngress") or [])
        for standalone in self.of_type(SECURITY_GROUP_INGRESS).values():
            if group_id in self.ids_of_type(standalone.get("GroupId"), SECURITY_GROUP):
                rules.append(standalone)
        found = []
        for rule in rules:
            sources = self.ids_of_type(rule.get("SourceSecurityGroupId"), SECURITY_GROUP)
            cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
            for source in sources + ([cidr] if isinstance(cidr, str) else []):
                found.append(f"{port_range(rule)} from {source}")
        return found

    def draw_network(self) -> None:
        """Each VPC with its endpoints, and its subnets and security groups that no member's frame shows."""
        members = [
            ((p.get("VpcConfig") or {}).get("SubnetIds"), (p.get("VpcConfig") or {}).get("SecurityGroupIds"))
            for p in self.functions().values()
        ] + [
            ((p.get("VPCOptions") or {}).get("SubnetIds"), (p.get("VPCOptions") or {}).get("SecurityGroupIds"))
            for p in self.of_type(DOMAIN).values()
        ]
        for subnets, groups in members:
            self.vpc_placement(subnets, groups)
        # A route table's associations with subnets are part of it: whatever stands for the table stands for them.
        associations: dict[str, list[str]] = defaultdict(list)
        for association_id, properties in self.of_type(ROUTE_TABLE_ASSOCIATION).items():
            for table in self.ids_of_type(properties.get("RouteTableId"), ROUTE_TABLE):
                associations[table].append(association_id)
        drawn = self.picture.drawn()
        for vpc_id in self.of_type(VPC):
            frame = self.vpc_frame(vpc_id)
            for endpoint_id, properties in self.of_type(VPC_ENDPOINT).items():
                if vpc_id not in self.ids_of_type(properties.get("VpcId"), VPC):
                    continue
                endpoints = self.picture.frame(f"{vpc_id}__endpoints", "VPC endpoints", "group", frame, "row")
                tables = self.ids_of_type(properties.get("RouteTableIds"), ROUTE_TABLE)
                service = endpoint_service(properties.get("ServiceName"))
                kind = f"{service} {str(properties.get('VpcEndpointType', 'Gateway')).lower()} endpoint"
                lines = [endpoint_id, kind, *(f"in route table {table}" for table in tables)]
                # The endpoint's box stands for its route tables (named in it) and their associations.
                parts = {endpoint_id, *tables, *(a for table in tables for a in associations[table])}
                self.picture.box(endpoint_id, "endpoint", lines, endpoints, parts)
            for subnet_id, properties in self.of_type(SUBNET).items():
                if vpc_id in self.ids_of_type(properties.get("VpcId"), VPC) and subnet_id not in drawn:
                    self.picture.box(
                        subnet_id, "subnet", [subnet_id, "subnet", self.subnet_text(subnet_id)], frame, {subnet_id}
                    )
            for group_id, properties in self.of_type(SECURITY_GROUP).items():
                if vpc_id in self.ids_of_type(properties.get("VpcId"), VPC) and group_id not in drawn:
                    self.security_group_frame([group_id], frame)

    # Functions --------------------------------------------------------------------------------------------------------

    def function_frame(self, properties: dict[str, Any]) -> str:
        vpc_config = properties.get("VpcConfig") or {}
        return self.vpc_placement(vpc_config.get("SubnetIds"), vpc_config.get("SecurityGroupIds")) or "cloud"

    def route_group(self, function_id: str) -> str | None:
        """The first path segment every route of the function shares ("/products"), or None."""
        paths = [
            path for use in self.routes_of(function_id) for m in use.methods_by_authorizer.values() for _, path in m
        ]
        segments = {"/" + path.strip("/").split("/", 1)[0] for path in paths}
        return next(iter(segments)) if len(segments) == 1 else None

    def draw_functions(self) -> None:
        """Authorizers alone; route functions by the path they serve (in the detailed view, in a frame, one box each);
        any other function alone."""
        authorizer_functions = {f for names in self.authorizers().values() for f in names.values()}
        authorizer_functions |= {f for socket in self.websocket_apis().values() for f in socket.authorizers}
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for function_id, properties in self.functions().items():
            frame = self.function_frame(properties)
            segment = self.route_group(function_id)
            if function_id in authorizer_functions:
                self.picture.box(function_id, "function", [function_id, "Lambda authorizer"], frame, {function_id})
            elif segment:
                groups[(frame, segment)].append(function_id)
            else:
                self.picture.box(
                    function_id, "function", [function_id, *self.function_lines(function_id)], frame, {function_id}
                )
        for (frame, segment), members in sorted(groups.items()):
            box_id = "routes_" + (re.sub(r"\W", "_", segment.strip("/")) or "root")
            while box_id in self.picture.boxes or f"{frame}__{box_id}" in self.picture.frames:
                box_id += "_"
            count = f"{len(members)} function" + ("s" if len(members) > 1 else "")
            if self.detailed:
                inner = self.picture.frame(f"{frame}__{box_id}", f"{segment}: {count}", "group", frame)
                for member in members:
                    self.picture.box(member, "function", [*self.function_lines(member), member], inner, {member})
            else:
                methods = sorted(
                    {
                        m
                        for f in members
                        for use in self.routes_of(f)
                        for r in use.methods_by_authorizer.values()
                        for m, _ in r
                    },
                    key=method_order,
                )
                lines = [f"{segment} · {count}", " ".join(methods)]
                self.picture.box(box_id, "function", lines, frame, set(members))

    def function_lines(self, function_id: str) -> list[str]:
        """What a function serves: its routes, or what triggers it, or what invokes it."""
        routes = sorted(
            {r for use in self.routes_of(function_id) for rs in use.methods_by_authorizer.values() for r in rs},
            key=lambda r: (r[1], method_order(r[0])),
        )
        by_method: dict[str, list[str]] = defaultdict(list)
        for method, path in routes:
            by_method[method].append(path)
        lines = []
        for method, paths in sorted(by_method.items(), key=lambda item: method_order(item[0])):
            lines += [f"{method} on {len(paths)} paths"] if len(paths) > 3 else [f"{method} {p}" for p in paths]
        for socket in self.websocket_apis().values():
            if socket.routes.get(function_id):
                lines.append(f"WebSocket {', '.join(sorted(socket.routes[function_id]))}")
        return lines

    # Data, search, operations ----------------------------------------------------------------------------------------

    def draw_data(self) -> None:
        picture = self.picture
        for table_id, properties in self.of_type(TABLE).items():
            indexes = [index.get("IndexName") for index in properties.get("GlobalSecondaryIndexes") or []]
            lines = [table_id, "DynamoDB table", f"indexes {', '.join(indexes)}" if indexes else ""]
            picture.box(table_id, "table", lines, "cloud", {table_id})
            if properties.get("StreamSpecification") and any(
                table_id in self.stream_events(p) for p in self.functions().values()
            ):
                view = (properties.get("StreamSpecification") or {}).get("StreamViewType")
                lines = [f"{table_id} stream", view if isinstance(view, str) else ""]
                picture.box(f"{table_id}_stream", "stream", lines, "cloud", set())
                picture.connect(table_id, f"{table_id}_stream", "item changes", self.flow("index"))
        for queue_id, properties in self.of_type(QUEUE).items():
            kind = "SQS FIFO queue" if properties.get("FifoQueue") else "SQS queue"
            picture.box(queue_id, "queue", [queue_id, kind], "cloud", {queue_id})
        for bus_id, rules in self.event_buses().items():
            name = "EventBridge default bus" if bus_id == DEFAULT_BUS else "EventBridge bus"
            lines = [bus_id if bus_id != DEFAULT_BUS else "default", name, counted(len(rules), ("rule", "rules"))]
            picture.box(bus_id, "bus", lines, "cloud", {bus_id, *(rule for rule in rules if rule in self.resources)})
        for domain_id, properties in self.of_type(DOMAIN).items():
            vpc_options = properties.get("VPCOptions") or {}
            frame = self.vpc_placement(vpc_options.get("SubnetIds"), vpc_options.get("SecurityGroupIds")) or "cloud"
            engine = self.value(properties.get("EngineVersion"))
            lines = [domain_id, "OpenSearch domain", engine.replace("_", " ") if isinstance(engine, str) else ""]
            picture.box(domain_id, "search", lines, frame, {domain_id})

    def draw_operations(self) -> None:
        picture = self.picture
        frame = picture.frame("operations", "Operations and security", "group", "cloud", "column")
        alarms = self.of_type(*ALARM_TYPES)
        log_groups = self.of_type(LOG_GROUP)
        dashboards = self.of_type(DASHBOARD)
        if alarms or log_groups or dashboards:
            retention = {str(self.value(p.get("RetentionInDays"))) for p in log_groups.values()}
            kept = f"kept {next(iter(retention))} days" if len(retention) == 1 and log_groups else ""
            lines = [
                "CloudWatch",
                f"{len(alarms)} alarms" if alarms else "",
                f"{len(log_groups)} log groups" if log_groups else "",
                kept,
                f"{len(dashboards)} dashboard" + ("s" if len(dashboards) > 1 else "") if dashboards else "",
            ]
            picture.box("monitoring", "monitoring", lines, frame, {*alarms, *log_groups, *dashboards})
        for topic_id, properties in self.of_type(TOPIC).items():
            subscriptions = {topic_id}
            protocols = {s.get("Protocol") for s in properties.get("Subscription") or []}
            for subscription_id, subscription in self.of_type(SUBSCRIPTION).items():
                if topic_id in self.ids_of_type(subscription.get("TopicArn"), TOPIC):
                    protocols.add(subscription.get("Protocol"))
                    subscriptions.add(subscription_id)
            notifies = ", ".join(sorted(p for p in protocols if isinstance(p, str)))
            picture.box(
                topic_id,
                "topic",
                [topic_id, "SNS topic", f"notifies by {notifies}" if notifies else ""],
                frame,
                subscriptions,
            )
        states_by_topic: dict[str, set[str]] = defaultdict(set)
        for properties in alarms.values():
            for key, state in ALARM_STATES.items():
                for topic in self.ids_of_type(properties.get(key), TOPIC):
                    states_by_topic[topic].add(state)
        for topic, states in sorted(states_by_topic.items()):
            picture.connect("monitoring", topic, ", ".join(s for s in ALARM_STATES.values() if s in states))
        aliases = self.of_type(KMS_ALIAS)
        for key_id, properties in self.of_type(KMS_KEY).items():
            # A key's aliases are names for it: the key's box stands for them.
            key_aliases = {
                a for a, alias in aliases.items() if key_id in self.ids_of_type(alias.get("TargetKeyId"), KMS_KEY)
            }
            encrypted = self.encrypted_by(key_id)
            lines = [key_id, "KMS key" + (", rotated" if properties.get("EnableKeyRotation") else "")]
            if self.detailed:
                lines += wrap("encrypts " + ", ".join(encrypted), 26) if encrypted else []
            elif encrypted:
                lines.append(f"encrypts {len(encrypted)} resources")
            if key_id in self.ids_of_type(self.function_globals.get("KmsKeyArn"), KMS_KEY):
                lines.append("and every function's settings")
            # Managed policies that grant this key alone are the ways to use it: its box stands for them.
            grants = [
                policy_id
                for policy_id, policy in self.of_type(MANAGED_POLICY).items()
                if self.ids_of_type([st.get("Resource") for st in policy_document(policy)], *self.resource_types())
                == [key_id]
            ]
            users = [
                function_id
                for function_id, function in self.functions().items()
                if set(self.ids_of_type(as_list(function.get("Policies")), MANAGED_POLICY)) & set(grants)
            ]
            if grants:
                through = counted(len(grants), ("policy", "policies"))
                lines.append(f"used by {counted(len(users), ('function', 'functions'))} through {through}")
            picture.box(key_id, "key", lines, frame, {key_id, *key_aliases, *grants})
        for secret_id in self.of_type(SECRET):
            readers = [
                f for f, p in self.functions().items() if secret_id in self.ids_of_type(p.get("Environment"), SECRET)
            ]
            lines = [secret_id, "Secrets Manager secret"]
            if readers:
                lines.append(f"read into {len(readers)} functions' settings at deploy")
            picture.box(secret_id, "secret", lines, frame, {secret_id})
        for role_id, properties in self.of_type(ROLE).items():
            # Roles for people or tools (assumed by account principals); service roles only serve their service.
            principals = [
                statement.get("Principal") or {}
                for statement in as_list((properties.get("AssumeRolePolicyDocument") or {}).get("Statement"))
            ]
            if properties.get("Policies") and any(isinstance(p, dict) and "AWS" in p for p in principals):
                picture.box(role_id, "role", [role_id, "IAM role for operators"], frame, {role_id})
        for logical_id, resource in sorted(self.resources.items()):
            kind = str(resource.get("Type", ""))
            if kind.startswith("Custom::") or kind == CUSTOM_RESOURCE:
                picture.box(logical_id, "custom", [logical_id, "custom resource"], frame, {logical_id})
                token = (resource.get("Properties") or {}).get("ServiceToken")
                for function in self.ids_of_type(token, *FUNCTION_TYPES):
                    picture.connect(logical_id, self.box_of(function) or function, "invokes at deploy")

    def encrypted_by(self, key_id: str) -> list[str]:
        """What a key encrypts: resources naming it in a KMS key property (or through an alias), and the functions'
        environment when Globals names it."""
        aliases = {
            alias_id
            for alias_id, p in self.of_type(KMS_ALIAS).items()
            if key_id in self.ids_of_type(p.get("TargetKeyId"), KMS_KEY)
        }
        found = []
        for logical_id, resource in sorted(self.resources.items()):
            if resource.get("Type") in (KMS_KEY, KMS_ALIAS):
                continue
            for value in kms_key_values(resource.get("Properties") or {}):
                if {ref for ref, _ in references(value)} & ({key_id} | aliases):
                    found.append(logical_id)
                    break
        return found

    # Arrows -----------------------------------------------------------------------------------------------------------

    def draw_routes(self) -> None:
        """Clients → WAF → API; API → authorizer → function for guarded routes, API → function for open ones."""
        picture = self.picture
        if "clients" not in picture.boxes:
            return
        request = self.flow_numbers.get("request", 0)
        protected: set[str] = set()
        for association_id, properties in self.of_type(WEB_ACL_ASSOCIATION).items():
            for acl in self.ids_of_type(properties.get("WebACLArn"), WEB_ACL):
                # The association is the arrow from the web ACL to the API: the ACL's box stands for it.
                picture.boxes[acl].stands_for.add(association_id)
                for api in self.api_ids(properties.get("ResourceArn")):
                    picture.connect("clients", acl, "HTTPS", request)
                    picture.connect(acl, api, "allowed requests", request)
                    protected.add(api)
        for api in self.of_type(API):
            if api not in protected:
                picture.connect("clients", api, "HTTPS", request)
        for function_id in self.functions():
            for use in self.routes_of(function_id):
                if use.api == "ServerlessRestApi":
                    picture.connect("clients", use.api, "HTTPS", request)
                target = self.box_of(function_id) or function_id
                for authorizer, routes in sorted(use.methods_by_authorizer.items()):
                    source = use.api
                    if authorizer:
                        picture.connect(use.api, self.box_of(authorizer) or authorizer, "bearer JWT", request)
                        source = self.box_of(authorizer) or authorizer
                    picture.connect(source, target, self.route_text(routes), request)
        for pool_id in self.of_type(USER_POOL):
            if any(
                pool_id in self.ids_of_type(p.get("UserPoolId"), USER_POOL)
                for p in self.of_type("AWS::Cognito::UserPoolClient").values()
            ):
                picture.connect("clients", pool_id, "sign in", request)
        for distribution_id, buckets in self.storefront_origins().items():
            storefront = self.flow("storefront")
            picture.connect("clients", distribution_id, "HTTPS", storefront)
            for bucket in buckets:
                picture.connect(distribution_id, bucket, "static files", storefront)
            origins = (self.of_type(DISTRIBUTION)[distribution_id].get("DistributionConfig") or {}).get("Origins")
            for api in self.ids_of_type(origins, API):
                picture.connect(distribution_id, api, "API calls", storefront)

    @staticmethod
    def route_text(routes: list[tuple[str, str]]) -> str:
        """The methods: the box names the paths (a group's, in its title)."""
        return ", ".join(sorted({method for method, _ in routes}, key=method_order))

    def api_ids(self, value: Any) -> list[str]:
        """The APIs a value names, counting SAM's generated stage (`<Api><Stage>Stage`) as its API."""
        apis = self.of_type(API)
        found = set()
        for logical_id, _ in references(value):
            found |= {api for api in apis if logical_id.startswith(api) and logical_id.endswith("Stage")}
            found |= {logical_id} & apis.keys()
        return sorted(found)

    def function_flow(self, function_id: str) -> int:
        if self.stream_events(self.functions()[function_id]):
            return self.flow_numbers.get("index", 0)
        # A rule's target, or fed by a queue or topic that is one.
        targets = {target for rules in self.event_buses().values() for found in rules.values() for target in found}
        fed_by = set(self.ids_of_type(self.functions()[function_id].get("Events"), QUEUE, TOPIC))
        sockets = {f for socket in self.websocket_apis().values() for f in [*socket.routes, *socket.authorizers]}
        if function_id in targets or fed_by & targets or function_id in sockets:
            return self.flow_numbers.get("events", 0)
        if self.routes_of(function_id) or function_id in {f for n in self.authorizers().values() for f in n.values()}:
            return self.flow_numbers.get("request", 0)
        return 0

    def draw_access(self) -> None:
        """What each function (and each operator role) reads and writes, from its IAM statements."""
        picture = self.picture
        for function_id, properties in self.functions().items():
            source = self.box_of(function_id) or function_id
            flow = self.function_flow(function_id)
            policies = properties.get("Policies")
            statements = policy_statements(policies) + self.managed_statements(policies)
            for target, text in self.policy_access(statements, policies):
                # Publishing to an event bus starts the events flow, whichever flow the publisher serves.
                publishing = target in self.event_buses() or target in self.websocket_apis() or target == "email"
                picture.connect(source, target, text, self.flow_numbers.get("events", 0) if publishing else flow)
            variables = (properties.get("Environment") or {}).get("Variables") or {}
            for pool in self.ids_of_type(variables, USER_POOL):
                picture.connect(pool, source, "signing keys (JWKS)")
            domains = set(self.ids_of_type(properties.get("Environment"), DOMAIN))
            domains |= set(self.domains_named_in(statements)) | set(self.domains_named_in(policy_templates(policies)))
            signed = bool(self.domains_named_in(statements)) or any(
                name in SAM_DOMAIN_POLICIES for name, _ in policy_templates(policies)
            )
            for domain in sorted(domains):
                picture.connect(source, domain, self.domain_protocol(domain, signed), flow)
        for role_id, properties in self.of_type(ROLE).items():
            if role_id not in picture.boxes:
                continue
            statements = [
                statement
                for policy in properties.get("Policies") or []
                for statement in as_list((policy.get("PolicyDocument") or {}).get("Statement"))
            ]
            for target, text in self.policy_access(statements, []):
                picture.connect(role_id, target, text)
            for domain in self.domains_named_in(statements):
                picture.connect(role_id, domain, self.domain_protocol(domain, True))
        for logical_id, resource in sorted(self.resources.items()):
            for bucket in self.logging_buckets(resource.get("Properties") or {}):
                if logical_id in picture.boxes:
                    picture.connect(logical_id, bucket, "access logs")
        for endpoint_id, properties in self.of_type(VPC_ENDPOINT).items():
            resource_type = {"dynamodb": TABLE, "s3": BUCKET}.get(
                endpoint_service(properties.get("ServiceName")).lower()
            )
            if resource_type:
                named = self.ids_of_type(properties.get("PolicyDocument"), resource_type)
                # Only what its policy names: without one, an endpoint reaches the whole service, not these.
                for target in named:
                    picture.connect(endpoint_id, target, "private route")

    def policy_access(self, statements: list[dict[str, Any]], policies: Any) -> list[tuple[str, str]]:
        """(box, "read, write" / "send" / "publish" / "invokes") for what the statements and SAM templates allow."""
        access: dict[str, set[str]] = defaultdict(set)
        for statement in statements:
            if statement.get("Effect", "Allow") != "Allow":
                continue
            actions = [action for action in as_list(statement.get("Action")) if isinstance(action, str)]
            for logical_id, attribute in sorted(set(references(statement.get("Resource"))), key=str):
                kind = self.type_of(logical_id)
                if kind == TABLE and attribute == "StreamArn":
                    continue  # The event source mapping's: drawn as the stream's arrow.
                if kind == TABLE:
                    access[logical_id] |= dynamodb_access(actions)
                    if self.detailed:
                        access[logical_id] |= {f"index {n}" for n in index_names(statement.get("Resource"), logical_id)}
                elif kind == QUEUE:
                    verbs = {action.split(":", 1)[-1] for action in actions}
                    if verbs & {"SendMessage", "SendMessageBatch", "*"}:
                        access[logical_id].add("send")
                    if verbs & {"ReceiveMessage", "DeleteMessage", "*"}:
                        access[logical_id].add("receive")
                elif kind == TOPIC and any(action in {"sns:Publish", "sns:*"} for action in actions):
                    access[logical_id].add("publish")
                elif kind == EVENT_BUS and any(action in {"events:PutEvents", "events:*"} for action in actions):
                    access[logical_id].add("publish events")
                elif logical_id in self.websocket_apis() and any(
                    action in {"execute-api:ManageConnections", "execute-api:*"} for action in actions
                ):
                    access[logical_id].add("push to connections")
                elif kind in FUNCTION_TYPES and any(a in {"lambda:InvokeFunction", "lambda:*"} for a in actions):
                    access[logical_id].add("invokes")
                elif kind == BUCKET and any(action.startswith("s3:") for action in actions):
                    access[logical_id] |= {"read" if a.startswith(("s3:Get", "s3:List")) else "write" for a in actions}
            # Email goes through SES whatever identity the statement names.
            if set(actions) & SES_SEND_ACTIONS and "email" in self.picture.boxes:
                access["email"].add("send email")
        for name, parameters in policy_templates(policies):
            for table in self.ids_of_type(parameters, TABLE):
                access[table] |= set(SAM_TABLE_POLICIES.get(name, ()))
            for queue in self.ids_of_type(parameters, QUEUE):
                if name in SAM_QUEUE_POLICIES:
                    access[queue].add(SAM_QUEUE_POLICIES[name])
            for topic in self.ids_of_type(parameters, TOPIC):
                if name in SAM_TOPIC_POLICIES:
                    access[topic].add(SAM_TOPIC_POLICIES[name])
            for bus in self.ids_of_type(parameters, EVENT_BUS):
                if name == "EventBridgePutEventsPolicy":
                    access[bus].add("publish events")
            if name in SAM_SES_POLICIES and "email" in self.picture.boxes:
                access["email"].add("send email")
        return [
            (self.box_of(target) or target, ", ".join(sorted(verbs)))
            for target, verbs in sorted(access.items())
            if verbs
        ]

    def logging_buckets(self, value: Any, under_logging: bool = False) -> list[str]:
        """The buckets a resource names under a logging property (CloudFront's Logging, S3's LoggingConfiguration)."""
        found: set[str] = set()
        if isinstance(value, dict):
            for key, inner in value.items():
                if under_logging and key in {"Ref", "Fn::GetAtt", "Fn::Sub"}:
                    found |= set(self.ids_of_type({key: inner}, BUCKET))
                else:
                    found |= set(self.logging_buckets(inner, under_logging or "Logging" in key))
        elif isinstance(value, list):
            for item in value:
                found |= set(self.logging_buckets(item, under_logging))
        elif under_logging and isinstance(value, str) and value in self.of_type(BUCKET):
            found.add(value)
        return sorted(found)

    def managed_statements(self, policies: Any) -> list[dict[str, Any]]:
        """The statements of the template's managed policies a function's Policies name (`- !Ref SomePolicy`)."""
        return [
            statement
            for policy_id in self.ids_of_type(as_list(policies), MANAGED_POLICY)
            for statement in policy_document(self.of_type(MANAGED_POLICY)[policy_id])
        ]

    def resource_types(self) -> set[str]:
        return {str(resource.get("Type")) for resource in self.resources.values()}

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

    def event_buses(self) -> dict[str, dict[str, list[str]]]:
        """Each event bus (the default one too, when rules use it) → its rules → what each one targets. A rule is an
        Events::Rule, or a function's EventBridgeRule event (named `<function>.<event>`)."""
        buses: dict[str, dict[str, list[str]]] = {bus: {} for bus in self.of_type(EVENT_BUS)}
        for rule_id, properties in self.of_type(EVENT_RULE).items():
            bus = next(iter(self.ids_of_type(properties.get("EventBusName"), EVENT_BUS)), DEFAULT_BUS)
            targets = [t.get("Arn") for t in properties.get("Targets") or [] if isinstance(t, dict)]
            buses.setdefault(bus, {})[rule_id] = self.ids_of_type(targets, *FUNCTION_TYPES, QUEUE, TOPIC)
        for function_id, properties in self.functions().items():
            for name, event in sorted((properties.get("Events") or {}).items()):
                if isinstance(event, dict) and event.get("Type") in {"EventBridgeRule", "CloudWatchEvent"}:
                    event_bus = (event.get("Properties") or {}).get("EventBusName")
                    bus = next(iter(self.ids_of_type(event_bus, EVENT_BUS)), DEFAULT_BUS)
                    buses.setdefault(bus, {})[f"{function_id}.{name}"] = [function_id]
        return buses

    def stream_events(self, properties: dict[str, Any]) -> list[str]:
        """The tables whose streams feed the function."""
        return sorted(
            {
                table
                for event in sorted_events(properties)
                if event.get("Type") == "DynamoDB"
                for table, attribute in references((event.get("Properties") or {}).get("Stream"))
                if self.type_of(table) == TABLE and attribute == "StreamArn"
            }
        )

    def draw_event_sources(self) -> None:
        picture = self.picture
        events = self.flow_numbers.get("events", 0)
        for api_id, socket in self.websocket_apis().items():
            if "clients" in picture.boxes:
                picture.connect("clients", api_id, "WebSocket", events)
                picture.connect(api_id, "clients", "push", events)
            for authorizer in socket.authorizers:
                picture.connect(api_id, self.box_of(authorizer) or authorizer, "authorize $connect", events)
            for function_id, keys in sorted(socket.routes.items()):
                picture.connect(api_id, self.box_of(function_id) or function_id, ", ".join(sorted(keys)), events)
        if "email" in picture.boxes and "clients" in picture.boxes:
            picture.connect("email", "clients", "email", events)
        for bus_id, rules in self.event_buses().items():
            for rule, targets in rules.items():
                for target in targets:
                    picture.connect(bus_id, self.box_of(target) or target, f"rule {rule.rsplit('.', 1)[-1]}", events)
        for function_id, properties in self.functions().items():
            function = self.box_of(function_id) or function_id
            flow = self.function_flow(function_id)
            for event in sorted_events(properties):
                kind, event_properties = event.get("Type"), event.get("Properties") or {}
                if kind == "DynamoDB":
                    for table in self.stream_events({"Events": {"e": event}}):
                        picture.connect(f"{table}_stream", function, batch_label(event_properties), flow)
                elif kind in {"SQS", "SNS", "Kinesis"}:
                    for source in self.ids_of_type(event_properties, QUEUE, TOPIC, "AWS::Kinesis::Stream"):
                        picture.connect(self.box_of(source) or source, function, batch_label(event_properties), flow)
                on_failure = ((event_properties.get("DestinationConfig") or {}).get("OnFailure")) or {}
                for target in self.ids_of_type(on_failure.get("Destination"), QUEUE, TOPIC):
                    picture.connect(function, self.box_of(target) or target, "failed batches", flow)

    # The pipeline -----------------------------------------------------------------------------------------------------

    def pipelines(self) -> dict[str, dict[str, Any]]:
        resources = (self.pipeline or {}).get("Resources") or {}
        return {
            pipeline_id: resource.get("Properties") or {}
            for pipeline_id, resource in sorted(resources.items())
            if resource.get("Type") == PIPELINE_TYPE
        }

    def draw_pipeline(self) -> None:
        for pipeline_id, properties in self.pipelines().items():
            frame = self.picture.frame(
                f"delivery_{pipeline_id}",
                f"Delivery: CodePipeline {pipeline_id} (pipeline.yaml)",
                "pipeline",
            )
            previous = None
            for stage in properties.get("Stages") or []:
                name = str(stage.get("Name", "?"))
                actions = sorted(
                    stage.get("Actions") or [], key=lambda action: (action.get("RunOrder", 1), action.get("Name", ""))
                )
                box_id = f"{pipeline_id}_{re.sub(r'\W', '_', name)}"
                self.picture.box(
                    box_id, stage_icon(actions), [name, *(describe_action(a) for a in actions)], frame, set()
                )
                if previous:
                    self.picture.connect(previous, box_id, "", self.flow("delivery"))
                previous = box_id

    # What is left -----------------------------------------------------------------------------------------------------

    def list_not_drawn(self) -> None:
        """Every resource no box or frame stands for, listed by type."""
        drawn = self.picture.drawn()
        by_type: dict[str, list[str]] = defaultdict(list)
        for logical_id, resource in sorted(self.resources.items()):
            if logical_id not in drawn:
                by_type[str(resource.get("Type", "?")).removeprefix("AWS::")].append(logical_id)
        self.picture.not_drawn = [f"{kind}: {', '.join(ids)}" for kind, ids in sorted(by_type.items())]


# --- helpers over properties -----------------------------------------------------------------------------------------


def counted(count: int, names: tuple[str, str]) -> str:
    return f"{count} {names[0] if count == 1 else names[1]}"


def method_order(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken at spaces (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


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


def index_names(resources: Any, table_id: str) -> set[str]:
    """Indexes a statement grants by ARN (`${Table.Arn}/index/<name>`)."""
    pattern = r"\$\{" + re.escape(table_id) + r"\.Arn\}/index/([^/\s\"]+)"
    return {match.group(1) for text in strings_in(resources) if (match := re.search(pattern, text))}


def policy_document(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a managed policy's document."""
    statements = as_list((properties.get("PolicyDocument") or {}).get("Statement"))
    return [statement for statement in statements if isinstance(statement, dict)]


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


def stage_icon(actions: list[dict[str, Any]]) -> str:
    categories = {(action.get("ActionTypeId") or {}).get("Category") for action in actions}
    providers = {(action.get("ActionTypeId") or {}).get("Provider") for action in actions}
    if "Approval" in categories:
        return "pipeline_approval"
    if "Source" in categories:
        return "pipeline_source"
    if "CodeBuild" in providers:
        return "pipeline_build"
    return "pipeline_deploy"


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
    return what or str(action.get("Name", "?"))


# --- Graphviz source, through the diagrams package ------------------------------------------------------------------


class _Canvas(Diagram):
    """A diagrams Diagram that only collects the Graphviz source: rendering is `render()`'s, by `dot`."""

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        setdiagram(None)


class _Frame(Cluster):
    """A diagrams Cluster named by a stable id rather than by its title."""

    def __init__(self, frame: Frame) -> None:
        row = {"rank": "same"} if frame.layout == "row" else {}
        title = "\\l".join(wrap(frame.title, FRAME_TITLE_WIDTH)) + "\\l"
        super().__init__(title, graph_attr={**FRAME_STYLES[frame.style], "fontsize": "14", "margin": "14", **row})
        self.name = f"cluster_{frame.id}"
        self.dot.name = self.name


def icon_path(icon: str) -> str:
    node_class = ICONS[icon]
    return f"{str(node_class._icon_dir).removeprefix('resources/')}/{node_class._icon}"


def dot_source(picture: Picture, *, page_width: float | None) -> str:
    """The picture as Graphviz source, drawn top to bottom: the clients, the legend and the note on top, the flows
    below them, the operations' services in a column beside (their arrows left out of the ranking), the pipeline's
    stages in a chain of their own."""
    graph = {
        "pad": "0.3",
        "nodesep": "0.25",
        "ranksep": "0.3",
        "splines": "spline",
        "fontsize": "20",
        "labelloc": "t",
        "newrank": "true",
        "forcelabels": "true",
        **({"size": f"{page_width},{page_width * 3}"} if page_width else {}),
    }
    columns = {frame.id for frame in picture.frames.values() if frame.layout == "column"}
    in_columns = {box.id for box in picture.boxes.values() if box.frame in columns}
    with _Canvas(
        picture.title,
        filename="architecture",
        direction="TB",
        curvestyle="curved",
        show=False,
        graph_attr=graph,
        node_attr={"shape": "plain", "fontsize": "11", "fixedsize": "false", "width": "0", "height": "0"},
        edge_attr={"arrowsize": "0.7", "fontname": "Sans-Serif", "fontsize": "10"},
    ) as canvas:
        nodes: set[str] = set()

        def place(frame_id: str | None, target: Any) -> None:
            # In the order they were drawn: a column reads top down as the architect listed it.
            members = [b for b in picture.boxes.values() if b.frame == frame_id]
            for box in members:
                target.dot.node(box.id, box_label(box))
                nodes.add(box.id)
            if frame_id in columns:
                for upper, lower in itertools.pairwise(members):
                    target.dot.edge(upper.id, lower.id, style="invis")
            for child in sorted((f for f in picture.frames.values() if f.parent == frame_id), key=lambda f: f.id):
                with _Frame(child) as frame:
                    place(child.id, frame)

        # The legend and the note first: Graphviz then sets them at the left of the top row.
        top = []
        if picture.not_drawn:
            lines = [line for entry in picture.not_drawn for line in wrap(entry, 48)]
            canvas.dot.node("not_drawn", "\\l".join(["Also in the template, not drawn:", *lines]) + "\\l", **NOTE_STYLE)
            top.append("not_drawn")
        if picture.flows:
            rows = "".join(
                f'<tr><td align="right"><font color="{colour}"><b>{number}</b></font></td>'
                f'<td align="left">{html(title)}</td></tr>'
                for number, (title, colour) in sorted(picture.flows.items())
            )
            heading = '<tr><td colspan="2" align="left"><b>Data flows</b></td></tr>'
            canvas.dot.node("legend", f'<<table border="0" cellspacing="3">{heading}{rows}</table>>', **LEGEND_STYLE)
            top.append("legend")
        place(None, canvas)
        top += ["clients"] if "clients" in nodes else []
        if len(top) > 1:
            canvas.dot.body.append(f"\t{{rank=same; {'; '.join(top)}}}\n")
        # The columns start below the clients.
        for column in sorted(columns):
            first = next((box.id for box in picture.boxes.values() if box.frame == column), None)
            if "clients" in nodes and first:
                canvas.dot.edge("clients", first, style="invis")
        for arrow in picture.arrows:
            colour = picture.flows[arrow.flow][1] if arrow.flow else QUIET
            attrs = {"penwidth": "1.4"} if arrow.flow else {"style": "dashed"}
            if {arrow.source, arrow.target} & in_columns and (
                picture.boxes[arrow.source].frame != picture.boxes[arrow.target].frame
            ):
                attrs["constraint"] = "false"
            if arrow.target == "clients":
                # Back to the browser (a push, an email): drawn, but the clients stay on top.
                attrs["constraint"] = "false"
            canvas.dot.edge(arrow.source, arrow.target, xlabel=arrow.label, color=colour, fontcolor=colour, **attrs)
    return f"{HEADER}\n{canvas.dot.source}"


NOTE_STYLE = {
    "shape": "note",
    "fixedsize": "false",
    "width": "0",
    "height": "0",
    "fontsize": "11",
    "color": QUIET,
    "fontcolor": "#4B5563",
    "labelloc": "c",
}
LEGEND_STYLE = {
    "shape": "box",
    "style": "rounded",
    "fixedsize": "false",
    "width": "0",
    "height": "0",
    "color": QUIET,
    "fontsize": "13",
}


def box_label(box: Box) -> str:
    """An HTML-like label: the icon at a fixed size, the name in bold and the details under it."""
    name, *details = box.label.split("\n")
    text = "<br/>".join([f"<b>{html(name)}</b>", *(html(line) for line in details)])
    icon = f'<td fixedsize="true" width="{ICON_SIZE}" height="{ICON_SIZE}"><img src="{icon_path(box.icon)}"/></td>'
    table = '<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
    return f"<{table}<tr>{icon}</tr><tr><td>{text}</td></tr></table>>"


def html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- entry points ------------------------------------------------------------------------------------------------


def architecture(
    template: dict[str, Any], pipeline: dict[str, Any] | None = None, *, detailed: bool = False
) -> Picture:
    return Architect(template, pipeline, detailed).draw()


def sources(template: dict[str, Any], pipeline: dict[str, Any] | None = None) -> dict[str, str]:
    """The Graphviz sources, by file stem: the overview (scaled to page width) and the detailed view."""
    return {
        OVERVIEW: dot_source(architecture(template, pipeline), page_width=PAGE_WIDTH_INCHES),
        DETAIL: dot_source(architecture(template, pipeline, detailed=True), page_width=None),
    }


def sources_from_files(template_path: Path = TEMPLATE, pipeline_path: Path = PIPELINE) -> dict[str, str]:
    pipeline = load_template(pipeline_path) if pipeline_path.exists() else None
    return sources(load_template(template_path), pipeline)


def embed_images(svg: str) -> str:
    """The SVG with the icons Graphviz linked to (file paths) inlined as data URIs, so that the file stands alone: each
    icon once, in <defs>, and each place it appears a <use> of it."""
    icons: dict[tuple[str, ...], str] = {}

    def use(match: re.Match[str]) -> str:
        attributes = dict(re.findall(r'([\w:]+)="([^"]*)"', match.group(1)))
        shape = tuple(attributes.get(name, "") for name in ("xlink:href", "width", "height", "preserveAspectRatio"))
        icon_id = icons.setdefault(shape, f"icon{len(icons)}")
        return f'<use xlink:href="#{icon_id}" x="{attributes.get("x", "0")}" y="{attributes.get("y", "0")}"/>'

    body = re.sub(r"<image ([^>]*?)/>", use, svg)
    definitions = []
    for (href, width, height, aspect), icon_id in icons.items():
        path = Path(href) if Path(href).is_absolute() else ICON_ROOT / href
        data = base64.b64encode(path.read_bytes()).decode()
        definitions.append(
            f'<image id="{icon_id}" xlink:href="data:image/png;base64,{data}" width="{width}" height="{height}" '
            f'preserveAspectRatio="{aspect}"/>'
        )
    opening = re.search(r"<svg\b[^>]*>", body)
    if not opening or not definitions:
        return body
    return f"{body[: opening.end()]}\n<defs>\n{chr(10).join(definitions)}\n</defs>{body[opening.end() :]}"


def render(dot_file: Path) -> None:
    """The .dot as .svg (icons embedded) and .png beside it, by Graphviz's `dot`."""
    dot = shutil.which("dot")
    if dot is None:
        raise SystemExit("diagram: needs Graphviz's dot (Debian: sudo apt-get install graphviz)")
    base = [dot, f"-Gimagepath={ICON_ROOT}", str(dot_file)]
    svg = subprocess.run([*base, "-Tsvg"], check=True, capture_output=True, text=True).stdout
    dot_file.with_suffix(".svg").write_text(embed_images(svg))
    # 96 dots per inch: the page width in inches times 96 is the PNG's width in pixels.
    png = [*base, "-Gdpi=96", "-Tpng", "-o", str(dot_file.with_suffix(".png"))]
    subprocess.run(png, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--pipeline", type=Path, default=PIPELINE, help="drawn when the file exists")
    parser.add_argument("--output-dir", type=Path, default=DOCS)
    parser.add_argument("--render", action="store_true", help="also draw each as SVG and PNG with Graphviz")
    arguments = parser.parse_args(argv)
    arguments.output_dir.mkdir(parents=True, exist_ok=True)
    for stem, text in sources_from_files(arguments.template, arguments.pipeline).items():
        path = arguments.output_dir / f"{stem}.dot"
        path.write_text(text)
        if arguments.render:
            render(path)
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
