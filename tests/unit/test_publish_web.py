"""scripts/publish_web.py: the storefront's upload after a deploy, against moto's S3, CloudFront and CloudFormation."""

import json

import boto3
import pytest
from moto import mock_aws

from scripts.publish_web import (
    IMMUTABLE,
    NOT_CACHED,
    OUTPUTS,
    PublishError,
    main,
    publish,
    stack_outputs,
    uploads,
    web_config,
)

REGION = "eu-west-1"
BUCKET = "shop-staging-webbucket-abc123"


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "icons").mkdir()
    (root / "index.html").write_text('<script type="module" src="/assets/index-AbC123.js"></script>')
    (root / "assets" / "index-AbC123.js").write_text("console.log('app')")
    (root / "assets" / "index-DeF456.css").write_text("body{}")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text("{}")
    (root / "icons" / "icon-192.png").write_bytes(b"\x89PNG")
    (root / "config.example.json").write_text('{"apiUrl": "http://127.0.0.1:3000"}')
    return root


def outputs(distribution_id: str = "E2EXAMPLE") -> dict[str, str]:
    return {
        "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
        "LiveStatusUrl": "wss://def456.execute-api.eu-west-1.amazonaws.com/live",
        "UserPoolAuthority": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
        "UserPoolClientId": "client123",
        "UserPoolLogoutUrl": "https://shop-staging-123456789012.auth.eu-west-1.amazoncognito.com/logout",
        "WebBucketName": BUCKET,
        "WebDistributionId": distribution_id,
        "WebUrl": "https://d111111abcdef8.cloudfront.net",
    }


def test_given_build_when_planned_then_hashed_assets_for_a_year_the_rest_revalidated_and_index_last(dist):
    planned = uploads(dist)
    assert [u.key for u in planned] == [
        "assets/index-AbC123.js",
        "assets/index-DeF456.css",
        "icons/icon-192.png",
        "manifest.webmanifest",
        "sw.js",
        "index.html",
    ]
    by_key = {u.key: u for u in planned}
    assert {by_key[k].cache_control for k in by_key if k.startswith("assets/")} == {IMMUTABLE}
    assert {by_key[k].cache_control for k in by_key if not k.startswith("assets/")} == {NOT_CACHED}
    assert by_key["assets/index-AbC123.js"].content_type == "text/javascript; charset=utf-8"
    assert by_key["index.html"].content_type == "text/html; charset=utf-8"
    assert by_key["manifest.webmanifest"].content_type == "application/manifest+json"
    assert by_key["icons/icon-192.png"].content_type == "image/png"


def test_given_no_index_when_planned_then_it_says_to_build_the_app_first(tmp_path):
    with pytest.raises(PublishError, match="build the app first"):
        uploads(tmp_path)


def test_given_outputs_then_config_json_is_what_the_app_reads():
    assert web_config(outputs()) == {
        "apiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
        "wsUrl": "wss://def456.execute-api.eu-west-1.amazonaws.com/live",
        "oidc": {
            "authority": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
            "clientId": "client123",
            "scope": "openid email profile",
            "logoutUrl": "https://shop-staging-123456789012.auth.eu-west-1.amazoncognito.com/logout",
        },
    }


def create_stack(cloudformation, values: dict[str, str]) -> None:
    template = {
        "Resources": {"Nothing": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in values.items()},
    }
    cloudformation.create_stack(StackName="shop-staging", TemplateBody=json.dumps(template))


@mock_aws
def test_given_stack_when_its_outputs_are_read_then_every_one_the_publish_needs():
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    create_stack(cloudformation, outputs())
    assert stack_outputs(cloudformation, "shop-staging") == outputs()


@mock_aws
def test_given_stack_without_the_web_outputs_when_read_then_it_names_what_is_missing():
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    create_stack(cloudformation, {"ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"})
    with pytest.raises(PublishError, match=r"no output LiveStatusUrl, UserPoolAuthority, .*WebDistributionId"):
        stack_outputs(cloudformation, "shop-staging")
    assert set(OUTPUTS) <= set(outputs())


def create_distribution(cloudfront) -> str:
    config = {
        "CallerReference": "test",
        "Comment": "storefront",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": f"{BUCKET}.s3.eu-west-1.amazonaws.com"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


@mock_aws
def test_given_deployed_stack_when_published_then_objects_carry_their_caching_config_is_written_and_all_invalidated(
    dist,
):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    distribution = create_distribution(cloudfront)

    invalidation = publish(s3, cloudfront, outputs(distribution), dist, reference="release-1")

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {u.key for u in uploads(dist)} | {"config.json"}
    asset = s3.get_object(Bucket=BUCKET, Key="assets/index-AbC123.js")
    assert asset["CacheControl"] == IMMUTABLE and asset["Body"].read() == b"console.log('app')"
    index = s3.get_object(Bucket=BUCKET, Key="index.html")
    assert index["CacheControl"] == NOT_CACHED and index["ContentType"] == "text/html; charset=utf-8"
    config = s3.get_object(Bucket=BUCKET, Key="config.json")
    assert config["CacheControl"] == NOT_CACHED and config["ContentType"] == "application/json"
    assert json.loads(config["Body"].read()) == web_config(outputs(distribution))
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation)["Invalidation"]
    assert batch["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    assert batch["InvalidationBatch"]["CallerReference"] == "release-1"


@mock_aws
def test_given_stack_without_the_web_outputs_when_run_then_it_exits_2_and_says_why(dist, monkeypatch, capsys):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    create_stack(cloudformation, {"ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"})
    assert main(["--stack-name", "shop-staging", "--dist", str(dist)]) == 2
    assert "no output" in capsys.readouterr().err
