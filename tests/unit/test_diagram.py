"""The architecture diagram: the committed one is what the templates say, and the generator draws what they hold."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack.template import load_template
from scripts.diagram import PIPELINE, TEMPLATE, mermaid, mermaid_from_files

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMITTED = REPO_ROOT / "docs" / "architecture.mmd"

EDGE = re.compile(r'^\s*(\w+) (-->|-\.->)(?:\|"(.*)"\|)? (\w+)$')
NODE = re.compile(r"^\s*(\w+)[\[\(\{]")
SUBGRAPH = re.compile(r"^\s*subgraph (\w+)")


@dataclass
class Drawing:
    """What a Mermaid flowchart draws: nodes with the subgraphs around them, and labelled edges."""

    text: str
    nodes: dict[str, list[str]] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        enclosing: list[str] = []
        for line in self.text.splitlines():
            if match := SUBGRAPH.match(line):
                enclosing.append(match.group(1))
            elif line.strip() == "end":
                enclosing.pop()
            elif match := EDGE.match(line):
                source, _, labels, target = match.groups()
                for label in (labels or "").split("<br/>"):
                    self.edges.add((source, target, label))
            elif (match := NODE.match(line)) and not line.lstrip().startswith(("classDef", "class ", "style ")):
                self.nodes[match.group(1)] = list(enclosing)

    def label_of(self, node: str) -> str:
        match = re.search(rf'^\s*{node}\W+"(.*)"\W*$', self.text, re.MULTILINE)
        assert match, f"no node {node}"
        return match.group(1)


def draw(tmp_path: Path, resources_yaml: str, pipeline_yaml: str | None = None) -> Drawing:
    """The diagram of a template written as YAML, tags and all, as template.yaml is."""
    template_path = tmp_path / "template.yaml"
    template_path.write_text(f"Resources:\n{resources_yaml}")
    pipeline = None
    if pipeline_yaml is not None:
        (tmp_path / "pipeline.yaml").write_text(pipeline_yaml)
        pipeline = load_template(tmp_path / "pipeline.yaml")
    return Drawing(mermaid(load_template(template_path), pipeline))


API = """
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        Authorizers:
          Jwt:
            FunctionArn: !GetAtt AuthFunction.Arn
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/auth
      Environment:
        Variables:
          JWKS_URL: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}/.well-known/jwks.json
  Pool:
    Type: AWS::Cognito::UserPool
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
"""

NETWORK = """
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref Vpc, AvailabilityZone: !Select [0, !GetAZs ""] }
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref Vpc, AvailabilityZone: !Select [1, !GetAZs ""] }
  ClientGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: clients, VpcId: !Ref Vpc }
  ServerGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: server
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !Ref ClientGroup }
"""


def function(name: str, properties: str) -> str:
    indented = "\n".join(f"      {line}" for line in properties.strip("\n").splitlines())
    return f"""
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/{name.lower()}
{indented}
"""


# --- the committed diagram -------------------------------------------------------------------------------------------


def test_given_templates_when_diagram_generated_then_committed_architecture_mmd_is_current():
    expected = mermaid_from_files(TEMPLATE, PIPELINE)
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""
    assert committed == expected, (
        "docs/architecture.mmd no longer matches template.yaml (and pipeline.yaml): run `make diagram` and commit "
        "docs/architecture.mmd and docs/architecture.svg"
    )


def test_given_committed_mermaid_then_committed_svg_draws_the_same_nodes_and_edges():
    # Rendering needs a browser, so the tests compare structure: a stale picture has other nodes or edges.
    drawing = Drawing(COMMITTED.read_text())
    svg = (REPO_ROOT / "docs" / "architecture.svg").read_text()
    drawn_nodes = set(re.findall(r'id="my-svg-flowchart-(\w+?)-\d+"', svg))
    drawn_edges = {re.sub(r"_\d+$", "", edge) for edge in re.findall(r'data-id="(L_\w+)"', svg)}

    assert drawn_nodes == set(drawing.nodes), "docs/architecture.svg is stale: run `make diagram`"
    assert drawn_edges == {f"L_{source}_{target}" for source, target, _ in drawing.edges}, (
        "docs/architecture.svg is stale: run `make diagram`"
    )


def test_given_real_template_when_drawn_then_every_resource_is_a_node_a_summary_or_listed():
    template = load_template(TEMPLATE)
    drawing = Drawing(mermaid(template))
    summarised = {
        "AWS::CloudWatch::Alarm": "alarms",
        "AWS::CloudWatch::CompositeAlarm": "alarms",
        "AWS::Logs::LogGroup": "log_groups",
    }
    text = drawing.text
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        drawn = (
            logical_id in drawing.nodes
            or summarised.get(kind) in drawing.nodes
            or f"subgraph {logical_id}[" in text
            # Configuration of another resource (a pool's client, a key's alias): named in that one's label or edges.
            or re.search(rf"\b{logical_id}\b", text)
        )
        assert drawn, f"{logical_id} ({kind}) is nowhere in the diagram"


def test_given_real_template_when_drawn_then_every_api_route_is_a_labelled_edge_into_its_function():
    template = load_template(TEMPLATE)
    drawing = Drawing(mermaid(template))
    for logical_id, resource in template["Resources"].items():
        events = resource.get("Properties", {}).get("Events", {}) if resource["Type"].endswith("Function") else {}
        routes = [event["Properties"] for event in events.values() if event["Type"] == "Api"]
        labels = {label for _, target, label in drawing.edges if target == logical_id}
        for route in routes:
            method = route["Method"].upper()
            assert f"{method} {route['Path']}" in labels or any(label.startswith(f"{method} on ") for label in labels)


# --- the generator, on small templates -------------------------------------------------------------------------------


def test_given_api_when_function_with_api_event_added_then_its_node_and_route_edge_appear(tmp_path):
    before = draw(tmp_path, API)
    after = draw(
        tmp_path,
        API
        + function(
            "ListThingsFunction",
            """
Events:
  List:
    Type: Api
    Properties: { RestApiId: !Ref Api, Path: /things, Method: get }
""",
        ),
    )

    assert "ListThingsFunction" not in before.nodes
    assert "ListThingsFunction" in after.nodes
    assert ("Api", "ListThingsFunction", "GET /things") in after.edges


def test_given_route_with_authorizer_when_drawn_then_it_goes_through_the_authorizer_function(tmp_path):
    drawing = draw(
        tmp_path,
        API
        + function(
            "CreateThingFunction",
            """
Events:
  Create:
    Type: Api
    Properties: { RestApiId: !Ref Api, Path: /things, Method: POST, Auth: { Authorizer: Jwt } }
""",
        ),
    )

    assert ("AuthFunction", "CreateThingFunction", "POST /things") in drawing.edges
    assert ("Api", "AuthFunction", "Jwt: bearer JWT") in drawing.edges
    assert not any(source == "Api" and target == "CreateThingFunction" for source, target, _ in drawing.edges)
    assert ("Pool", "AuthFunction", "JWKS") in drawing.edges


def test_given_one_function_serving_many_paths_when_drawn_then_the_edge_counts_them(tmp_path):
    events = "\n".join(
        f"""  P{n}:
    Type: Api
    Properties: {{ RestApiId: !Ref Api, Path: /p{n}, Method: OPTIONS }}"""
        for n in range(5)
    )
    drawing = draw(tmp_path, API + function("PreflightFunction", f"Events:\n{events}"))

    assert {label for source, target, label in drawing.edges if target == "PreflightFunction"} == {"OPTIONS on 5 paths"}


def test_given_security_group_ingress_rule_when_drawn_then_it_is_a_labelled_edge_between_the_groups(tmp_path):
    drawing = draw(tmp_path, NETWORK)

    assert ("ClientGroup", "ServerGroup", "443 from ClientGroup") in drawing.edges
    assert drawing.nodes["ClientGroup"] == ["Vpc"]
    assert drawing.nodes["ServerGroup"] == ["Vpc"]


def test_given_subnets_when_drawn_then_they_sit_in_their_vpc_with_their_availability_zone(tmp_path):
    drawing = draw(tmp_path, NETWORK)

    assert drawing.nodes["SubnetA"] == ["Vpc"]
    assert "AZ 0" in drawing.label_of("SubnetA")
    assert "AZ 1" in drawing.label_of("SubnetB")


def test_given_function_with_vpc_config_when_drawn_then_it_is_inside_the_vpc_and_one_without_is_outside(tmp_path):
    drawing = draw(
        tmp_path,
        NETWORK
        + function(
            "InsideFunction",
            """
VpcConfig:
  SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  SecurityGroupIds: [!Ref ClientGroup]
""",
        )
        + function("OutsideFunction", "Timeout: 3"),
    )

    assert "Vpc" in drawing.nodes["InsideFunction"]
    assert "Vpc" not in drawing.nodes["OutsideFunction"]
    assert drawing.nodes["OutsideFunction"] == ["layer_functions"]
    assert ("InsideFunction", "ClientGroup", "member of") in drawing.edges


def test_given_stream_event_with_on_failure_when_drawn_then_stream_feeds_the_function_and_failures_go_to_the_queue(
    tmp_path,
):
    drawing = draw(
        tmp_path,
        API
        + """
  DeadLetters:
    Type: AWS::SQS::Queue
"""
        + function(
            "IndexerFunction",
            """
Events:
  Changes:
    Type: DynamoDB
    Properties:
      Stream: !GetAtt Table.StreamArn
      StartingPosition: TRIM_HORIZON
      BatchSize: 100
      DestinationConfig:
        OnFailure:
          Type: SQS
          Destination: !GetAtt DeadLetters.Arn
""",
        ),
    )

    assert ("Table", "Table_stream", "item changes") in drawing.edges
    assert ("Table_stream", "IndexerFunction", "batches of ≤ 100") in drawing.edges
    assert ("IndexerFunction", "DeadLetters", "failed batches") in drawing.edges


def test_given_stream_event_without_on_failure_when_drawn_then_no_failure_edge(tmp_path):
    drawing = draw(
        tmp_path,
        API
        + function(
            "IndexerFunction",
            """
Events:
  Changes:
    Type: DynamoDB
    Properties: { Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST }
""",
        ),
    )

    assert ("Table_stream", "IndexerFunction", "batches") in drawing.edges
    assert not any(label == "failed batches" for _, _, label in drawing.edges)


@pytest.mark.parametrize(
    ("actions", "resource", "label"),
    [
        ("[dynamodb:GetItem, dynamodb:BatchGetItem]", "!GetAtt Table.Arn", "read"),
        ("dynamodb:PutItem", "!GetAtt Table.Arn", "write"),
        ("[dynamodb:GetItem, dynamodb:UpdateItem]", "!GetAtt Table.Arn", "read, write"),
        ("dynamodb:Query", "!Sub ${Table.Arn}/index/gsi1", "read (index gsi1)"),
    ],
)
def test_given_function_policy_on_a_table_when_drawn_then_the_edge_says_read_or_write(
    tmp_path, actions, resource, label
):
    drawing = draw(
        tmp_path,
        API
        + function(
            "WorkerFunction",
            f"""
Policies:
  - Statement:
      - Effect: Allow
        Action: {actions}
        Resource: {resource}
""",
        ),
    )

    assert {(source, target, text) for source, target, text in drawing.edges if source == "WorkerFunction"} == {
        ("WorkerFunction", "Table", label)
    }


def test_given_sam_policy_template_when_drawn_then_it_counts_as_table_access(tmp_path):
    drawing = draw(
        tmp_path, API + function("CrudFunction", "Policies:\n  - DynamoDBCrudPolicy: { TableName: !Ref Table }")
    )

    assert ("CrudFunction", "Table", "read, write") in drawing.edges


def test_given_function_calling_the_search_domain_when_drawn_then_the_edge_says_https_and_sigv4(tmp_path):
    drawing = draw(
        tmp_path,
        """
  Search:
    Type: AWS::OpenSearchService::Domain
    Properties:
      DomainName: !Sub shop-${Stage}
      DomainEndpointOptions: { EnforceHTTPS: true }
"""
        + function(
            "SearchFunction",
            """
Environment:
  Variables:
    OPENSEARCH_ENDPOINT: !Sub https://${Search.DomainEndpoint}
"""
            + """
Policies:
  - Statement:
      - Effect: Allow
        Action: es:ESHttpGet
        Resource: !Sub arn:${AWS::Partition}:es:${AWS::Region}:${AWS::AccountId}:domain/shop-${Stage}/*
""",
        )
        + function("BystanderFunction", "Timeout: 3"),
    )

    assert ("SearchFunction", "Search", "HTTPS 443, SigV4") in drawing.edges
    assert not any(source == "BystanderFunction" for source, _, _ in drawing.edges)


def test_given_domain_with_vpc_options_when_drawn_then_it_is_inside_the_vpc(tmp_path):
    drawing = draw(
        tmp_path,
        NETWORK
        + """
  Search:
    Type: AWS::OpenSearchService::Domain
    Properties:
      VPCOptions: { SubnetIds: [!Ref SubnetA], SecurityGroupIds: [!Ref ServerGroup] }
""",
    )

    assert drawing.nodes["Search"] == ["Vpc"]
    assert ("Search", "ServerGroup", "member of") in drawing.edges


def test_given_web_acl_associated_with_the_api_when_drawn_then_clients_reach_the_api_through_it(tmp_path):
    waf = """
  Acl:
    Type: AWS::WAFv2::WebACL
    Properties:
      Scope: REGIONAL
      Rules: [{ Name: RateLimit, Priority: 0 }]
  AclAssociation:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${Apiv1Stage}
      WebACLArn: !GetAtt Acl.Arn
"""
    without, with_waf = draw(tmp_path, API), draw(tmp_path, API + waf)

    assert ("clients", "Api", "HTTPS") in without.edges
    assert ("clients", "Acl", "HTTPS") in with_waf.edges
    assert ("Acl", "Api", "allowed requests") in with_waf.edges
    assert not any(source == "clients" and target == "Api" for source, target, _ in with_waf.edges)
    assert "RateLimit" in with_waf.label_of("Acl")


def test_given_alarms_topic_and_keys_when_drawn_then_alarms_are_one_node_and_keys_draw_encrypts_edges(tmp_path):
    alarms = "\n".join(
        f"""  Alarm{n}:
    Type: AWS::CloudWatch::Alarm
    Properties: {{ Namespace: AWS/Lambda, AlarmActions: [!Ref Topic], OKActions: [!Ref Topic] }}"""
        for n in range(3)
    )
    drawing = draw(
        tmp_path,
        f"""
  Key:
    Type: AWS::KMS::Key
    Properties: {{ EnableKeyRotation: true }}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {{ KmsMasterKeyId: !Ref Key }}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {{ KmsMasterKeyId: !GetAtt Key.Arn }}
  Plain:
    Type: AWS::SQS::Queue
{alarms}
""",
    )

    assert "3 CloudWatch alarms" in drawing.label_of("alarms")
    assert not any(node.startswith("Alarm") for node in drawing.nodes)
    assert ("alarms", "Topic", "alarm, ok") in drawing.edges
    assert {(target, label) for source, target, label in drawing.edges if source == "Key"} == {
        ("Topic", "encrypts"),
        ("Queue", "encrypts"),
    }


def test_given_pipeline_template_when_drawn_then_its_stages_are_a_chain_in_their_order(tmp_path):
    pipeline = """
Resources:
  Build:
    Type: AWS::CodeBuild::Project
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: Source
          Actions: [{ Name: Checkout, ActionTypeId: { Category: Source, Provider: CodeStarSourceConnection } }]
        - Name: Build
          Actions:
            - Name: Test
              ActionTypeId: { Category: Build, Provider: CodeBuild }
              Configuration: { ProjectName: !Ref Build }
        - Name: Approve
          Actions: [{ Name: Approve, ActionTypeId: { Category: Approval, Provider: Manual } }]
        - Name: Prod
          Actions: [{ Name: Deploy, ActionTypeId: { Category: Deploy, Provider: CloudFormation } }]
"""
    drawing = draw(tmp_path, API, pipeline)

    chain = {(source, target) for source, target, _ in drawing.edges if source.startswith("Pipeline_")}
    assert chain == {
        ("Pipeline_Source", "Pipeline_Build"),
        ("Pipeline_Build", "Pipeline_Approve"),
        ("Pipeline_Approve", "Pipeline_Prod"),
    }
    assert all(drawing.nodes[stage] == ["delivery_Pipeline"] for stage in ("Pipeline_Source", "Pipeline_Prod"))
    assert "Test: CodeBuild Build" in drawing.label_of("Pipeline_Build")
    assert "manual approval" in drawing.label_of("Pipeline_Approve")


def test_given_resource_of_a_type_the_generator_does_not_draw_when_drawn_then_it_is_listed(tmp_path):
    drawing = draw(tmp_path, API + "\n  Bucket:\n    Type: AWS::S3::Bucket\n")

    assert "S3::Bucket: Bucket" in drawing.label_of("other_resources")


def test_given_same_template_in_another_order_when_drawn_then_the_text_is_identical(tmp_path):
    template = load_template(TEMPLATE)
    shuffled = {**template, "Resources": dict(reversed(list(template["Resources"].items())))}

    assert mermaid(shuffled) == mermaid(template)
