"""The storefront in AWS: a private bucket behind CloudFront, its security headers and caching, its sign-in."""

import re
from typing import Any

import pytest

from scripts.publish_web import OUTPUTS

from .helpers import SOURCE, of_type, resources, statements

RESOURCES = SOURCE["Resources"]
DISTRIBUTION = RESOURCES["WebDistribution"]["Properties"]["DistributionConfig"]
DOMAIN = "d111111abcdef8.cloudfront.net"


def properties(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id]["Properties"]  # type: ignore[no-any-return]


def behaviors() -> list[dict[str, Any]]:
    return [DISTRIBUTION["DefaultCacheBehavior"], *DISTRIBUTION["CacheBehaviors"]]


def csp() -> dict[str, list[str]]:
    """The Content-Security-Policy's directives, with CloudFormation's ${...} still in place."""
    config = properties("WebSecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]
    text = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    return {name: values for name, *values in (d.split() for d in text.split(";") if d.strip())}


def evaluate(node: Any, parameters: dict[str, str]) -> Any:
    """The few intrinsics the app client's URLs use, as CloudFormation evaluates them for these parameters."""
    if isinstance(node, list):
        return [evaluate(item, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    ((function, argument),) = node.items()
    if function == "Ref":
        return parameters[argument]
    if function == "Fn::If":
        condition, when_true, when_false = argument
        assert condition == "HasWebSignInExtraOrigins"
        return evaluate(when_true if parameters["WebSignInExtraOrigins"] else when_false, parameters)
    if function == "Fn::Join":
        return argument[0].join(evaluate(argument[1], parameters))
    if function == "Fn::Split":
        return evaluate(argument[1], parameters).split(argument[0])
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: evaluate(value, parameters) for name, value in variables.items()}
        values["WebDistribution.DomainName"] = DOMAIN
        return re.sub(r"\$\{([^}]+)\}", lambda match: values[match[1]], text)
    raise AssertionError(f"unexpected {function}")


# --- the bucket ---


def test_given_web_bucket_then_private_owner_enforced_encrypted_versioned_and_access_logged():
    bucket = properties("WebBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": "WebLogBucket"}, "LogFilePrefix": "s3/"}


def test_given_web_bucket_policy_then_only_this_distribution_reads_and_only_over_tls():
    policy = properties("WebBucketPolicy")
    assert policy["Bucket"] == {"Ref": "WebBucket"}
    allow, deny = statements(policy["PolicyDocument"])
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject" and allow["Resource"] == {"Fn::Sub": "${WebBucket.Arn}/*"}
    assert allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"].endswith(":distribution/${WebDistribution}")
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": ["WebBucket", "Arn"]}, {"Fn::Sub": "${WebBucket.Arn}/*"}]


def test_given_log_bucket_then_private_encrypted_expiring_and_written_only_by_s3_for_the_web_bucket_over_tls():
    bucket = properties("WebLogBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    # S3 and CloudFront deliver access logs only to buckets encrypted with SSE-S3.
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    assert RESOURCES["WebLogBucket"]["DeletionPolicy"] == "Retain"
    allow, deny = statements(properties("WebLogBucketPolicy")["PolicyDocument"])
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"} and allow["Action"] == "s3:PutObject"
    assert allow["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": ["WebBucket", "Arn"]}}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- the distribution ---


def test_given_distribution_then_its_only_origin_is_the_bucket_through_origin_access_control():
    (origin,) = DISTRIBUTION["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    control = properties("WebOriginAccessControl")["OriginAccessControlConfig"]
    assert (control["OriginAccessControlOriginType"], control["SigningBehavior"], control["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )


def test_given_every_cache_behavior_then_https_only_read_only_and_the_security_headers():
    for behavior in behaviors():
        assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
        assert behavior["AllowedMethods"] == ["GET", "HEAD"]
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "WebSecurityHeadersPolicy"}
        assert behavior["TargetOriginId"] == DISTRIBUTION["Origins"][0]["Id"]


def ttls(policy: str) -> tuple[int, int, int]:
    config = properties(policy)["CachePolicyConfig"]
    return config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]


def test_given_hashed_assets_then_cached_for_a_year_and_everything_else_not_at_all():
    (assets,) = DISTRIBUTION["CacheBehaviors"]
    assert assets["PathPattern"] == "/assets/*"
    assert ttls(assets["CachePolicyId"]["Ref"]) == (31536000, 31536000, 31536000)
    assert ttls(DISTRIBUTION["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]) == (0, 0, 0)
    assert DISTRIBUTION["DefaultRootObject"] == "index.html"


def test_given_a_path_that_is_no_file_then_the_app_answers_it_with_index_html():
    fallbacks = {r["ErrorCode"]: r for r in DISTRIBUTION["CustomErrorResponses"]}
    assert set(fallbacks) == {403, 404}
    for response in fallbacks.values():
        assert (response["ResponseCode"], response["ResponsePagePath"]) == (200, "/index.html")
        assert response["ErrorCachingMinTTL"] == 0


def test_given_distribution_then_its_access_logs_go_to_the_log_bucket():
    assert DISTRIBUTION["Logging"]["Bucket"] == {"Fn::GetAtt": ["WebLogBucket", "RegionalDomainName"]}
    assert DISTRIBUTION["Logging"]["IncludeCookies"] is False


# --- the security headers ---


def test_given_content_security_policy_then_no_inline_or_eval_script_and_no_framing():
    directives = csp()
    assert directives["script-src"] == ["'self'"]
    assert not [value for values in directives.values() for value in values if "unsafe" in value]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]


def test_given_content_security_policy_then_the_page_talks_only_to_the_apis_and_cognito():
    cognito = "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"
    assert csp()["connect-src"] == [
        "'self'",
        "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}",
        # The live order status WebSocket API.
        "wss://*.execute-api.${AWS::Region}.${AWS::URLSuffix}",
        "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}",
        cognito,
    ]
    assert csp()["form-action"] == ["'self'", cognito]


def test_given_security_headers_then_hsts_for_two_years_nosniff_deny_framing_and_a_referrer_policy():
    config = properties("WebSecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert all(header["Override"] is True for header in config.values())
    hsts = config["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] is True
    assert config["ContentTypeOptions"] == {"Override": True}
    assert config["FrameOptions"]["FrameOption"] == "DENY"
    assert config["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"


# --- sign-in and the API ---


def test_given_app_client_then_authorization_code_with_pkce_and_the_three_scopes_through_the_hosted_pages():
    client = properties("UserPoolClient")
    assert client["GenerateSecret"] is False, "a public client: the code is redeemed with its PKCE verifier"
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert properties("UserPoolDomain")["UserPoolId"] == {"Ref": "UserPool"}


@pytest.mark.parametrize(
    ("extra", "callbacks", "sign_outs"),
    [
        ("", [f"https://{DOMAIN}/auth/callback"], [f"https://{DOMAIN}/"]),
        (
            "http://localhost:5173",
            [f"https://{DOMAIN}/auth/callback", "http://localhost:5173/auth/callback"],
            [f"https://{DOMAIN}/", "http://localhost:5173/"],
        ),
        (
            "http://localhost:5173,https://shop.example.com",
            [
                f"https://{DOMAIN}/auth/callback",
                "http://localhost:5173/auth/callback",
                "https://shop.example.com/auth/callback",
            ],
            [f"https://{DOMAIN}/", "http://localhost:5173/", "https://shop.example.com/"],
        ),
    ],
)
def test_given_extra_sign_in_origins_then_the_app_client_accepts_the_storefronts_urls_and_theirs(
    extra, callbacks, sign_outs
):
    client = properties("UserPoolClient")
    parameters = {"WebSignInExtraOrigins": extra}
    assert evaluate(client["CallbackURLs"], parameters) == callbacks
    assert evaluate(client["LogoutURLs"], parameters) == sign_outs
    assert re.fullmatch(SOURCE["Parameters"]["WebSignInExtraOrigins"]["AllowedPattern"], extra)


def test_given_functions_then_the_storefronts_origin_is_allowed_besides_the_listed_ones():
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}
    assert variables["WEB_ORIGIN"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["WebDistribution", "DomainName"]}]]
    }
    for name, function in of_type("AWS::Lambda::Function").items():
        assert "WEB_ORIGIN" in function["Environment"]["Variables"], name


def test_given_outputs_then_everything_the_pipeline_and_the_app_need():
    outputs = SOURCE["Outputs"]
    assert set(OUTPUTS) | {"WebUrl", "UserPoolDomain"} <= set(outputs)
    assert outputs["WebUrl"]["Value"] == {"Fn::Sub": "https://${WebDistribution.DomainName}"}
    assert outputs["UserPoolAuthority"]["Value"]["Fn::Sub"].endswith("/${UserPool}")
    assert outputs["UserPoolLogoutUrl"]["Value"]["Fn::Sub"].endswith(".amazoncognito.com/logout")


def test_given_deployed_template_then_the_storefront_depends_on_no_function():
    """The functions name the distribution (WEB_ORIGIN): it must not name them back (a cycle)."""
    everything = resources()
    web = ["WebDistribution", "WebSecurityHeadersPolicy", "WebBucket", "WebBucketPolicy"]
    functions = {name for name, r in everything.items() if r["Type"] == "AWS::Lambda::Function"}
    text = repr([everything[name] for name in web])
    assert functions and not [name for name in functions | {"ShopApi"} if re.search(rf"\b{name}\b", text)]
