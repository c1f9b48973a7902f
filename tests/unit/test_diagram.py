"""The architecture drawing: the committed sources are what the templates say, the committed pictures draw those
sources, and the generator draws what the templates hold (by resource type and property)."""

import re
import struct
from collections import Counter
from pathlib import Path

import pytest

from devstack.template import load_template
from scripts.diagram import (
    DETAIL,
    OVERVIEW,
    PAGE_WIDTH_INCHES,
    PIPELINE,
    TEMPLATE,
    Picture,
    architecture,
    embed_images,
    sources,
    sources_from_files,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"

DOT_NODE = re.compile(r"^\s*(\w+) \[label=", re.MULTILINE)
DOT_EDGE = re.compile(r"^\s*(\w+) -> (\w+)( \[.*\])?$", re.MULTILINE)
DOT_CLUSTER = re.compile(r"subgraph (cluster_\w+)")
SVG_TITLE = re.compile(r'<g id="\w+" class="(node|edge|cluster)">\s*<title>([^<]*)</title>')


def arrows(picture: Picture) -> set[tuple[str, str, str]]:
    return {(arrow.source, arrow.target, arrow.label) for arrow in picture.arrows}


def arrows_into(picture: Picture, target: str) -> set[tuple[str, str]]:
    return {(arrow.source, arrow.label) for arrow in picture.arrows if arrow.target == target}


def draw(tmp_path: Path, resources_yaml: str, pipeline_yaml: str | None = None, *, detailed: bool = False) -> Picture:
    """The picture of a template written as YAML, tags and all, as template.yaml is."""
    template_path = tmp_path / "template.yaml"
    template_path.write_text(f"Resources:\n{resources_yaml}")
    pipeline = None
    if pipeline_yaml is not None:
        (tmp_path / "pipeline.yaml").write_text(pipeline_yaml)
        pipeline = load_template(tmp_path / "pipeline.yaml")
    return architecture(load_template(template_path), pipeline, detailed=detailed)


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
    Properties: { CidrBlock: !Ref VpcCidr }
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [0, !GetAZs ""]
      CidrBlock: !Select [0, !Cidr [!Ref VpcCidr, 2, 12]]
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [1, !GetAZs ""]
      CidrBlock: !Select [1, !Cidr [!Ref VpcCidr, 2, 12]]
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
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Gateway
      ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
      RouteTableIds: [!Ref Routes]
  Routes:
    Type: AWS::EC2::RouteTable
    Properties: { VpcId: !Ref Vpc }
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


def route(method: str, path: str, authorizer: str | None = None) -> str:
    auth = f", Auth: {{ Authorizer: {authorizer} }}" if authorizer else ""
    return f"""
Events:
  Route:
    Type: Api
    Properties: {{ RestApiId: !Ref Api, Path: "{path}", Method: {method}{auth} }}
"""


# --- the committed drawing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", [OVERVIEW, DETAIL])
def test_given_templates_when_sources_generated_then_the_committed_dot_file_is_current(stem):
    committed = DOCS / f"{stem}.dot"
    expected = sources_from_files(TEMPLATE, PIPELINE)[stem]

    assert (committed.read_text() if committed.exists() else "") == expected, (
        f"docs/{stem}.dot no longer matches template.yaml (and pipeline.yaml): run `make diagram` and commit "
        f"docs/{stem}.dot, .svg and .png"
    )


@pytest.mark.parametrize("stem", [OVERVIEW, DETAIL])
def test_given_committed_dot_file_then_the_committed_svg_draws_its_boxes_frames_and_arrows(stem):
    # Drawing needs Graphviz, so the test compares structure: a stale picture has other boxes, frames or arrows.
    dot = (DOCS / f"{stem}.dot").read_text()
    svg = (DOCS / f"{stem}.svg").read_text()
    drawn = Counter((kind, title.replace("&#45;&gt;", "->")) for kind, title in SVG_TITLE.findall(svg))
    visible_edges = [f"{a}->{b}" for a, b, attributes in DOT_EDGE.findall(dot) if "style=invis" not in attributes]

    assert {title for kind, title in drawn if kind == "node"} == set(DOT_NODE.findall(dot)), "run `make diagram`"
    assert {title for kind, title in drawn if kind == "cluster"} == set(DOT_CLUSTER.findall(dot))
    assert Counter({("edge", edge): n for edge, n in Counter(visible_edges).items()}) == Counter(
        {key: n for key, n in drawn.items() if key[0] == "edge"}
    ), f"docs/{stem}.svg is stale: run `make diagram`"


def test_given_committed_svg_then_its_icons_are_embedded_so_it_stands_alone():
    svg = (DOCS / f"{OVERVIEW}.svg").read_text()

    assert "<use " in svg
    assert not re.search(r'href="(?!data:|#)[^"]*"', svg)


def test_given_committed_overview_then_its_png_fits_the_page_width_and_matches_the_svg_size():
    png = (DOCS / f"{OVERVIEW}.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    svg = (DOCS / f"{OVERVIEW}.svg").read_text()
    svg_width, svg_height = (float(n) for n in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert width <= PAGE_WIDTH_INCHES * 96 <= 2000
    # Both are drawn from the same source at 96 pixels an inch (SVG points are 1/72 inch).
    assert abs(width - svg_width * 96 / 72) <= 2 and abs(height - svg_height * 96 / 72) <= 2, (
        "docs/architecture.png is stale: run `make diagram`"
    )


# --- the real template -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("detailed", [False, True])
def test_given_real_template_when_drawn_then_every_resource_is_a_box_or_a_frame_or_listed(detailed):
    template = load_template(TEMPLATE)
    picture = architecture(template, detailed=detailed)
    listed = " ".join(picture.not_drawn)
    for logical_id, resource in template["Resources"].items():
        drawn = logical_id in picture.drawn()
        assert drawn or re.search(rf"\b{logical_id}\b", listed), f"{logical_id} ({resource['Type']}) is nowhere"
        assert not (drawn and re.search(rf"\b{logical_id}\b", listed)), f"{logical_id} is drawn and listed"


def test_given_network_when_drawn_then_the_frames_stand_for_the_vpc_subnets_groups_and_route_table_parts(tmp_path):
    picture = draw(
        tmp_path,
        NETWORK
        + """
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: { SubnetId: !Ref SubnetA, RouteTableId: !Ref Routes }
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref ClientGroup, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8 }
""",
    )

    assert picture.not_drawn == []
    assert {"Routes", "Association"} <= picture.boxes["Endpoint"].stands_for
    client_frame = next(frame for frame in picture.frames.values() if "ClientGroup" in frame.stands_for)
    assert client_frame.stands_for == {"ClientGroup", "Rule"}
    assert client_frame.title == "security group ClientGroup: in 22 from 10.0.0.0/8"
    assert client_frame.parent == "Vpc"


def test_given_real_template_when_drawn_then_every_route_reaches_its_functions_box_with_its_method():
    template = load_template(TEMPLATE)
    picture = architecture(template)
    for logical_id, resource in template["Resources"].items():
        events = resource.get("Properties", {}).get("Events", {}) if resource["Type"].endswith("Function") else {}
        for event in events.values():
            if event["Type"] != "Api":
                continue
            box = picture.box_for(logical_id)
            labels = " ".join(label for _, label in arrows_into(picture, box))
            assert event["Properties"]["Method"].upper() in labels, f"{logical_id}: no arrow for its route"


def test_given_real_template_when_overview_drawn_then_route_functions_are_grouped_by_path_with_their_count():
    template = load_template(TEMPLATE)
    picture = architecture(template)
    by_segment: dict[str, set[str]] = {}
    for logical_id, resource in template["Resources"].items():
        events = resource.get("Properties", {}).get("Events", {}) if resource["Type"].endswith("Function") else {}
        segments = {
            "/" + e["Properties"]["Path"].strip("/").split("/")[0] for e in events.values() if e["Type"] == "Api"
        }
        if len(segments) == 1:
            by_segment.setdefault(segments.pop(), set()).add(logical_id)

    assert by_segment
    for segment, members in by_segment.items():
        box = picture.boxes[picture.box_for(next(iter(members)))]
        assert box.stands_for == members
        assert box.lines[0] == f"{segment} · {len(members)} function" + ("s" if len(members) > 1 else "")
    functions = [i for i, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    assert len([box for box in picture.boxes.values() if box.icon == "function"]) < len(functions)


def test_given_real_template_when_detailed_view_drawn_then_each_function_is_its_own_box():
    template = load_template(TEMPLATE)
    picture = architecture(template, detailed=True)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert picture.box_for(logical_id) == logical_id


def test_given_same_templates_in_another_order_when_generated_then_the_sources_are_identical():
    template, pipeline = load_template(TEMPLATE), load_template(PIPELINE)
    shuffled = {**template, "Resources": dict(reversed(list(template["Resources"].items())))}

    assert sources(shuffled, pipeline) == sources(template, pipeline)


# --- the generator, on small templates -------------------------------------------------------------------------------


def test_given_api_when_function_with_api_event_added_then_its_group_and_numbered_route_arrow_appear(tmp_path):
    before = draw(tmp_path, API)
    after = draw(tmp_path, API + function("ListThingsFunction", route("get", "/things")))

    assert before.box_for("ListThingsFunction") is None
    assert after.boxes["routes_things"].lines[:2] == ["/things · 1 function", "GET"]
    assert ("Api", "routes_things", "1 GET") in arrows(after)
    assert after.flows[1][0].startswith("API request")


def test_given_route_with_authorizer_when_drawn_then_it_goes_through_the_authorizer_function(tmp_path):
    picture = draw(tmp_path, API + function("CreateThingFunction", route("POST", "/things", "Jwt")))

    assert ("AuthFunction", "routes_things", "1 POST") in arrows(picture)
    assert ("Api", "AuthFunction", "1 bearer JWT") in arrows(picture)
    assert not any(source == "Api" for source, _ in arrows_into(picture, "routes_things"))
    assert ("Pool", "AuthFunction", "signing keys (JWKS)") in arrows(picture)
    assert "Lambda authorizer" in picture.boxes["AuthFunction"].lines


def test_given_functions_serving_one_path_when_drawn_then_the_overview_groups_them_and_the_detail_does_not(tmp_path):
    resources = (
        API
        + function("ListThingsFunction", route("GET", "/things"))
        + function("DeleteThingFunction", route("DELETE", "/things/{id}", "Jwt"))
    )
    overview = draw(tmp_path, resources)
    detail = draw(tmp_path, resources, detailed=True)

    assert overview.boxes["routes_things"].stands_for == {"ListThingsFunction", "DeleteThingFunction"}
    assert overview.boxes["routes_things"].lines == ["/things · 2 functions", "GET DELETE"]
    assert {("Api", "1 GET"), ("AuthFunction", "1 DELETE")} <= arrows_into(overview, "routes_things")
    assert detail.box_for("ListThingsFunction") == "ListThingsFunction"
    assert detail.frames[detail.boxes["DeleteThingFunction"].frame].title == "/things: 2 functions"
    assert detail.boxes["DeleteThingFunction"].lines[0] == "DELETE /things/{id}"


def test_given_one_function_serving_many_paths_when_drawn_then_it_stands_alone_with_their_count(tmp_path):
    events = "\n".join(
        f"""  P{n}:
    Type: Api
    Properties: {{ RestApiId: !Ref Api, Path: /p{n}, Method: OPTIONS }}"""
        for n in range(5)
    )
    picture = draw(tmp_path, API + function("PreflightFunction", f"Events:\n{events}"))

    assert picture.boxes["PreflightFunction"].lines == ["PreflightFunction", "OPTIONS on 5 paths"]
    assert arrows_into(picture, "PreflightFunction") == {("Api", "1 OPTIONS")}


def test_given_vpc_when_drawn_then_subnets_with_their_zones_and_blocks_frame_the_security_groups(tmp_path):
    template = f"Parameters:\n  VpcCidr: {{ Type: String, Default: 10.0.0.0/16 }}\nResources:\n{NETWORK}"
    (tmp_path / "template.yaml").write_text(
        template
        + function(
            "InsideFunction",
            """
VpcConfig:
  SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  SecurityGroupIds: [!Ref ClientGroup]
""",
        )
        + function("OutsideFunction", "Timeout: 3")
        + """
  Search:
    Type: AWS::OpenSearchService::Domain
    Properties:
      VPCOptions: { SubnetIds: [!Ref SubnetA, !Ref SubnetB], SecurityGroupIds: [!Ref ServerGroup] }
"""
    )
    picture = architecture(load_template(tmp_path / "template.yaml"))
    inside = picture.frames_around("InsideFunction")
    domain = picture.frames_around("Search")

    assert [picture.frames[frame].style for frame in inside] == ["security_group", "subnets", "vpc", "cloud"]
    assert inside[1:] == domain[1:]
    assert picture.frames[inside[0]].title == "security group ClientGroup"
    assert picture.frames[domain[0]].title == "security group ServerGroup: in 443 from ClientGroup"
    assert picture.frames[inside[1]].title == (
        "private subnets: SubnetA (AZ 0, 10.0.0.0/20), SubnetB (AZ 1, 10.0.16.0/20)"
    )
    assert picture.frames["Vpc"].title == "VPC Vpc · 10.0.0.0/16"
    assert picture.frames_around("OutsideFunction") == ["cloud"]
    assert picture.boxes["Endpoint"].lines == ["Endpoint", "DynamoDB gateway endpoint", "in route table Routes"]
    assert "Vpc" in picture.frames_around("Endpoint")


def test_given_stream_event_with_on_failure_when_drawn_then_the_indexing_flow_is_numbered_after_the_request(tmp_path):
    picture = draw(
        tmp_path,
        API
        + "\n  DeadLetters:\n    Type: AWS::SQS::Queue\n"
        + function("GetThingFunction", route("GET", "/things"))
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

    assert {
        ("Table", "Table_stream", "2 item changes"),
        ("Table_stream", "IndexerFunction", "2 batches of ≤ 100"),
        ("IndexerFunction", "DeadLetters", "2 failed batches"),
    } <= arrows(picture)
    assert picture.flows[2][0].startswith("Indexing")


def test_given_stream_event_without_on_failure_or_api_when_drawn_then_indexing_is_flow_1_without_failures(tmp_path):
    picture = draw(
        tmp_path,
        "\n  Table:\n    Type: AWS::DynamoDB::Table\n"
        "    Properties: { StreamSpecification: { StreamViewType: KEYS_ONLY } }\n"
        + function(
            "IndexerFunction",
            "Events:\n  Changes:\n    Type: DynamoDB\n    Properties: { Stream: !GetAtt Table.StreamArn }\n",
        ),
    )

    assert ("Table_stream", "IndexerFunction", "1 batches") in arrows(picture)
    assert not any("failed" in label for _, _, label in arrows(picture))
    assert "clients" not in picture.boxes


@pytest.mark.parametrize(
    ("actions", "resource", "label"),
    [
        ("[dynamodb:GetItem, dynamodb:BatchGetItem]", "!GetAtt Table.Arn", "read"),
        ("dynamodb:PutItem", "!GetAtt Table.Arn", "write"),
        ("[dynamodb:GetItem, dynamodb:UpdateItem]", "!GetAtt Table.Arn", "read, write"),
        ("dynamodb:Query", "!Sub ${Table.Arn}/index/gsi1", "read"),
    ],
)
def test_given_function_policy_on_a_table_when_drawn_then_the_arrow_says_read_or_write(
    tmp_path, actions, resource, label
):
    picture = draw(
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

    assert {arrow for arrow in arrows(picture) if arrow[0] == "WorkerFunction"} == {("WorkerFunction", "Table", label)}


def test_given_function_reading_a_table_index_when_detailed_view_drawn_then_the_arrow_names_the_index(tmp_path):
    policy = """
Policies:
  - Statement:
      - Effect: Allow
        Action: [dynamodb:Query, dynamodb:PutItem]
        Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/gsi1"]
"""
    picture = draw(tmp_path, API + function("WorkerFunction", policy), detailed=True)

    assert ("WorkerFunction", "Table", "read, write, index gsi1") in arrows(picture)


def test_given_group_members_reading_and_writing_one_table_when_drawn_then_one_arrow_says_both(tmp_path):
    picture = draw(
        tmp_path,
        API
        + function(
            "GetThingFunction", route("GET", "/things") + "Policies:\n  - DynamoDBReadPolicy: { TableName: !Ref Table }"
        )
        + function(
            "PutThingFunction", route("PUT", "/things") + "Policies:\n  - DynamoDBCrudPolicy: { TableName: !Ref Table }"
        ),
    )

    assert {a for a in arrows(picture) if a[1] == "Table" and a[0] == "routes_things"} == {
        ("routes_things", "Table", "1 read, write")
    }


def test_given_function_calling_the_search_domain_when_drawn_then_the_arrow_says_https_and_sigv4(tmp_path):
    picture = draw(
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
Policies:
  - Statement:
      - Effect: Allow
        Action: es:ESHttpGet
        Resource: !Sub arn:${AWS::Partition}:es:${AWS::Region}:${AWS::AccountId}:domain/shop-${Stage}/*
""",
        )
        + function("BystanderFunction", "Timeout: 3"),
    )

    assert ("SearchFunction", "Search", "HTTPS 443, SigV4") in arrows(picture)
    assert not any(source == "BystanderFunction" for source, _, _ in arrows(picture))


def test_given_web_acl_associated_with_the_api_when_drawn_then_clients_reach_the_api_through_it(tmp_path):
    waf = """
  Acl:
    Type: AWS::WAFv2::WebACL
    Properties:
      Scope: REGIONAL
      Rules: [{ Name: RateLimit, Priority: 0 }, { Name: Common, Priority: 1 }]
  AclAssociation:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${Apiv1Stage}
      WebACLArn: !GetAtt Acl.Arn
"""
    without, with_waf = draw(tmp_path, API), draw(tmp_path, API + waf)

    assert ("clients", "Api", "1 HTTPS") in arrows(without)
    assert {("clients", "Acl", "1 HTTPS"), ("Acl", "Api", "1 allowed requests")} <= arrows(with_waf)
    assert not any(source == "clients" for source, _ in arrows_into(with_waf, "Api"))
    assert with_waf.boxes["Acl"].lines == ["Acl", "WAF web ACL (regional)", "2 rules"]
    assert "RateLimit, Common" in draw(tmp_path, API + waf, detailed=True).boxes["Acl"].label


def test_given_cloudfront_serving_a_bucket_when_drawn_then_the_storefront_flow_is_numbered_and_in_the_legend(
    tmp_path,
):
    picture = draw(
        tmp_path,
        API
        + function("GetThingFunction", route("GET", "/things"))
        + """
  Site:
    Type: AWS::S3::Bucket
    Properties:
      LoggingConfiguration: { DestinationBucketName: !Ref Logs }
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties: { Bucket: !Ref Site, PolicyDocument: {} }
  Logs:
    Type: AWS::S3::Bucket
  Access:
    Type: AWS::CloudFront::OriginAccessControl
  Documents:
    Type: AWS::CloudFront::CachePolicy
  Assets:
    Type: AWS::CloudFront::CachePolicy
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - Id: site
            DomainName: !GetAtt Site.RegionalDomainName
            OriginAccessControlId: !GetAtt Access.Id
        DefaultCacheBehavior: { CachePolicyId: !Ref Documents }
        CacheBehaviors: [{ PathPattern: /assets/*, CachePolicyId: !Ref Assets }]
        Logging: { Bucket: !GetAtt Logs.RegionalDomainName }
""",
    )

    assert {("clients", "Cdn", "2 HTTPS"), ("Cdn", "Site", "2 static files")} <= arrows(picture)
    assert {("Cdn", "Logs", "access logs"), ("Site", "Logs", "access logs")} <= arrows(picture)
    assert picture.flows[2][0].startswith("Storefront")
    assert picture.boxes["Site"].lines == ["Site", "S3 bucket: the storefront"]
    assert picture.boxes["Site"].stands_for == {"Site", "SitePolicy"}
    assert picture.boxes["Cdn"].stands_for == {"Cdn", "Access", "Documents", "Assets"}
    assert picture.boxes["Cdn"].lines[2:] == ["2 cache policies", "1 origin access control"]
    assert picture.not_drawn == []


def test_given_alarms_topic_and_keys_when_drawn_then_alarms_are_counted_and_keys_say_what_they_encrypt(tmp_path):
    alarms = "\n".join(
        f"""  Alarm{n}:
    Type: AWS::CloudWatch::Alarm
    Properties: {{ Namespace: AWS/Lambda, AlarmActions: [!Ref Topic], OKActions: [!Ref Topic] }}"""
        for n in range(3)
    )
    resources = f"""
  Key:
    Type: AWS::KMS::Key
    Properties: {{ EnableKeyRotation: true }}
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties: {{ AliasName: alias/shop, TargetKeyId: !Ref Key }}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {{ KmsMasterKeyId: !Ref KeyAlias }}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {{ KmsMasterKeyId: !GetAtt Key.Arn }}
  Plain:
    Type: AWS::SQS::Queue
{alarms}
"""
    picture = draw(tmp_path, resources)

    assert picture.boxes["monitoring"].lines[:2] == ["CloudWatch", "3 alarms"]
    assert picture.box_for("Alarm1") == "monitoring"
    assert ("monitoring", "Topic", "alarm, ok") in arrows(picture)
    assert picture.boxes["Key"].lines == ["Key", "KMS key, rotated", "encrypts 2 resources"]
    assert picture.box_for("KeyAlias") == "Key"
    assert "encrypts Queue, Topic" in draw(tmp_path, resources, detailed=True).boxes["Key"].label


def test_given_pipeline_template_when_drawn_then_its_stages_are_a_numbered_chain_in_their_order(tmp_path):
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
    picture = draw(tmp_path, API + function("GetThingFunction", route("GET", "/things")), pipeline)

    chain = {(source, target, label) for source, target, label in arrows(picture) if source.startswith("Pipeline_")}
    assert chain == {
        ("Pipeline_Source", "Pipeline_Build", "2"),
        ("Pipeline_Build", "Pipeline_Approve", "2"),
        ("Pipeline_Approve", "Pipeline_Prod", "2"),
    }
    assert all(picture.frames_around(stage) == ["delivery_Pipeline"] for stage in ("Pipeline_Source", "Pipeline_Prod"))
    assert picture.boxes["Pipeline_Build"].lines == ["Build", "CodeBuild Build"]
    assert picture.boxes["Pipeline_Approve"].lines == ["Approve", "manual approval"]
    assert picture.flows[2][0].startswith("Delivery")


def test_given_resource_of_a_type_the_generator_does_not_draw_when_drawn_then_the_note_lists_it(tmp_path):
    picture = draw(tmp_path, API + "\n  Machine:\n    Type: AWS::StepFunctions::StateMachine\n")
    source = sources(load_template(tmp_path / "template.yaml"))[OVERVIEW]

    assert picture.not_drawn == ["StepFunctions::StateMachine: Machine"]
    assert "StepFunctions::StateMachine: Machine" in source


def test_given_flows_when_source_generated_then_the_legend_names_them_and_arrows_take_their_colour(tmp_path):
    draw(tmp_path, API + function("GetThingFunction", route("GET", "/things")))
    source = sources(load_template(tmp_path / "template.yaml"))[OVERVIEW]

    assert "Data flows" in source and "API request" in source
    assert re.search(r'Api -> routes_things \[.*color="#1F5FA8".*xlabel="1 GET"', source)
    assert 'image="' not in source and "aws/compute/lambda.png" in source


def test_given_svg_with_linked_icons_when_embedded_then_each_icon_is_defined_once_and_used_where_it_was(tmp_path):
    image = (
        '<image xlink:href="aws/compute/lambda.png" width="46px" height="46px" '
        'preserveAspectRatio="xMinYMin meet" x="{x}" y="-5"/>'
    )
    svg = f'<svg width="10pt" height="10pt">\n{image.format(x=1)}\n{image.format(x=2)}\n</svg>'

    embedded = embed_images(svg)

    assert embedded.count("data:image/png;base64,") == 1
    assert '<use xlink:href="#icon0" x="1" y="-5"/>' in embedded
    assert '<use xlink:href="#icon0" x="2" y="-5"/>' in embedded
    assert "aws/compute/lambda.png" not in embedded


def test_given_function_naming_a_managed_policy_when_drawn_then_its_statements_count_as_the_functions_access(
    tmp_path,
):
    picture = draw(
        tmp_path,
        API
        + """
  ReadPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Table.Arn }]
"""
        + function("ReaderFunction", "Policies:\n  - !Ref ReadPolicy"),
    )

    assert ("ReaderFunction", "Table", "read") in arrows(picture)


def test_given_gateway_endpoints_when_drawn_then_only_what_a_policy_names_gets_a_private_route_arrow(tmp_path):
    picture = draw(
        tmp_path,
        NETWORK
        + """
  Table:
    Type: AWS::DynamoDB::Table
  Named:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
      PolicyDocument: { Statement: [{ Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Table.Arn }] }
""",
    )

    assert ("Named", "Table", "private route") in arrows(picture)
    assert not any(source == "Endpoint" for source, _, _ in arrows(picture))


def test_given_managed_policies_granting_only_a_key_when_drawn_then_the_keys_box_stands_for_them(tmp_path):
    picture = draw(
        tmp_path,
        API
        + """
  Key:
    Type: AWS::KMS::Key
  KeyReadPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn }]
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: "dynamodb:*", Resource: "*" }]
"""
        + function("ReaderFunction", "Policies:\n  - !Ref KeyReadPolicy"),
    )

    assert picture.boxes["Key"].stands_for == {"Key", "KeyReadPolicy"}
    assert "used by 1 function through 1 policy" in picture.boxes["Key"].label.replace("\n", " ")
    assert picture.not_drawn == ["IAM::ManagedPolicy: Boundary"]


def test_given_event_bus_with_rules_when_drawn_then_the_events_flow_runs_from_publisher_to_consumers(tmp_path):
    picture = draw(
        tmp_path,
        API
        + """
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: shop }
  Orders:
    Type: AWS::SQS::Queue
  OrderPlaced:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: { detail-type: [OrderPlaced] }
      Targets: [{ Id: queue, Arn: !GetAtt Orders.Arn }]
"""
        + function(
            "CreateOrderFunction",
            route("POST", "/orders")
            + """
Policies:
  - Statement: [{ Effect: Allow, Action: events:PutEvents, Resource: !GetAtt Bus.Arn }]
""",
        )
        + function(
            "FulfilFunction",
            "Events:\n  Queue:\n    Type: SQS\n    Properties: { Queue: !GetAtt Orders.Arn, BatchSize: 10 }",
        )
        + function(
            "AuditFunction",
            "Events:\n  Placed:\n    Type: EventBridgeRule\n    Properties: { Pattern: { source: [shop] } }",
        ),
    )

    assert picture.flows[2][0].startswith("Events")
    assert {
        ("routes_orders", "Bus", "2 publish events"),
        ("Bus", "Orders", "2 rule OrderPlaced"),
        ("Orders", "FulfilFunction", "2 batches of ≤ 10"),
        ("default_event_bus", "AuditFunction", "2 rule Placed"),
    } <= arrows(picture)
    assert picture.boxes["Bus"].stands_for == {"Bus", "OrderPlaced"}
    assert picture.boxes["default_event_bus"].lines == ["default", "EventBridge default bus", "1 rule"]
    assert picture.not_drawn == []


def test_given_websocket_api_and_email_when_drawn_then_consumers_push_to_the_browser_and_send_mail(tmp_path):
    picture = draw(
        tmp_path,
        API
        + """
  Bus:
    Type: AWS::Events::EventBus
  Socket:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: shop, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action }
  SocketStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: { ApiId: !Ref Socket, StageName: live }
  SocketAuthorizer:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Socket
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${AuthFunction.Arn}/invocations
  ConnectIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Socket
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${ConnectFunction.Arn}/invocations
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: { ApiId: !Ref Socket, RouteKey: $connect, Target: !Sub "integrations/${ConnectIntegration}" }
  DisconnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: { ApiId: !Ref Socket, RouteKey: $disconnect, Target: !Sub "integrations/${ConnectIntegration}" }
  OrderMail:
    Type: AWS::SES::Template
    Properties: { Template: { TemplateName: order } }
"""
        + function("ConnectFunction", "Timeout: 3")
        + function(
            "NotifyFunction",
            """
Events:
  Placed: { Type: EventBridgeRule, Properties: { EventBusName: !Ref Bus, Pattern: { source: [shop] } } }
Policies:
  - Statement:
      - Effect: Allow
        Action: execute-api:ManageConnections
        Resource: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Socket}/*
      - { Effect: Allow, Action: ses:SendTemplatedEmail, Resource: "*" }
""",
        ),
    )

    assert picture.boxes["Socket"].lines == ["Socket", "API Gateway WebSocket API", "stage live"]
    assert picture.boxes["Socket"].stands_for == {
        "Socket",
        "SocketStage",
        "SocketAuthorizer",
        "ConnectIntegration",
        "ConnectRoute",
        "DisconnectRoute",
    }
    assert picture.boxes["email"].stands_for == {"OrderMail"}
    events = picture.flows[2][0]
    assert events.startswith("Events")
    assert {
        ("clients", "Socket", "2 WebSocket"),
        ("Socket", "AuthFunction", "2 authorize $connect"),
        ("Socket", "ConnectFunction", "2 $connect, $disconnect"),
        ("Bus", "NotifyFunction", "2 rule Placed"),
        ("NotifyFunction", "Socket", "2 push to connections"),
        ("Socket", "clients", "2 push"),
        ("NotifyFunction", "email", "2 send email"),
        ("email", "clients", "2 email"),
    } <= arrows(picture)
    assert "WebSocket $connect, $disconnect" in picture.boxes["ConnectFunction"].lines
    assert picture.not_drawn == []
