"""What a reviewer checks in the delivery pipeline: pipeline.yaml, the buildspecs and samconfig.toml.

Offline: the templates are read as data, cfn-lint runs in-process, and SAM CLI resolves the deploy command
with its own option parsing (nothing reaches AWS).
"""

import fnmatch
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.template import load_template

REPO_ROOT = Path(__file__).resolve().parents[3]
PIPELINE = load_template(REPO_ROOT / "pipeline.yaml")
RESOURCES: dict[str, dict[str, Any]] = PIPELINE["Resources"]
SAMCONFIG = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
SAM_PYTHON = REPO_ROOT / ".venv-sam" / "bin" / "python"

KEY_ARN = {"Fn::GetAtt": ["ArtifactKey", "Arn"]}
ACCOUNT = "123456789012"
STAGES = ["Source", "Build", "DeployStaging", "IntegrationTest", "Approval", "DeployProd"]
# Stage -> (CodeBuild project, buildspec, input artifact)
CODEBUILD_STAGES = {
    "Build": ("BuildProject", "buildspec.yml", "SourceOutput"),
    "DeployStaging": ("StagingDeployProject", "buildspec-deploy.yml", "BuildOutput"),
    "IntegrationTest": ("IntegrationTestProject", "buildspec-integration.yml", "SourceOutput"),
    "DeployProd": ("ProdDeployProject", "buildspec-deploy.yml", "BuildOutput"),
}
DEPLOYS = {
    "staging": ("StagingDeployProject", "StagingDeployRole", "StagingCloudFormationRole", "StagingStackName"),
    "prod": ("ProdDeployProject", "ProdDeployRole", "ProdCloudFormationRole", "ProdStackName"),
}
# The only Allow statements with Resource "*", as (policy resource, Sid). Why: creating arbitrary stack resources
# needs service-wide actions (generated names; create/list actions without resource-level permissions). That
# statement is held to the region (checked below); IAM is not in it.
ALLOWED_WILDCARD_STATEMENTS = {("StackResourcesPolicy", "ShopStackServices")}
# kms:CreateKey (the key does not exist yet) and kms:ListAliases accept no resource; nothing else of KMS is on "*".
ALLOWED_UNNAMED_ACTIONS = {("StackResourcesPolicy", "CreateStackKeys"): ["kms:CreateKey", "kms:ListAliases"]}
# Parameters every environment leaves at the template's default on purpose: the same everywhere, or opt-in.
LEFT_AT_DEFAULT = {"VpcCidr", "SearchEngineVersion", "SearchOperatorRoleArns", "SearchAdminReservedConcurrency"}
TEMPLATE_PARAMETERS = set(load_template()["Parameters"]) - LEFT_AT_DEFAULT


def stages() -> list[dict[str, Any]]:
    return RESOURCES["Pipeline"]["Properties"]["Stages"]


def stage(name: str) -> dict[str, Any]:
    return next(s for s in stages() if s["Name"] == name)


def environment(project: str) -> dict[str, Any]:
    variables = RESOURCES[project]["Properties"]["Environment"]["EnvironmentVariables"]
    return {variable["Name"]: variable["Value"] for variable in variables}


def buildspec(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / name).read_text())


def commands(spec: dict[str, Any]) -> list[str]:
    return [command for phase in spec["phases"].values() for command in phase.get("commands", [])]


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements() -> list[tuple[str, dict[str, Any]]]:
    """Every IAM statement of the template (inline role policies and managed policies), with its owner."""
    found = []
    for logical_id, resource in RESOURCES.items():
        properties = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents = [properties["PolicyDocument"]]
        for document in documents:
            for written in document["Statement"]:
                # A conditional statement is written as Fn::If [condition, statement, AWS::NoValue].
                found.append((logical_id, written["Fn::If"][1] if "Fn::If" in written else written))
    return found


def role_statements(role: str) -> list[dict[str, Any]]:
    return [statement for owner, statement in policy_statements() if owner == role]


def sub(value: Any) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else value


# --- the pipeline -----------------------------------------------------------------------------------------------


def test_given_pipeline_then_stages_run_source_build_staging_tests_approval_prod():
    assert RESOURCES["Pipeline"]["Properties"]["PipelineType"] == "V2"
    assert [s["Name"] for s in stages()] == STAGES
    assert [len(s["Actions"]) for s in stages()] == [1] * len(STAGES)


def test_given_source_stage_then_it_reads_the_repository_through_the_connection():
    (action,) = stage("Source")["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert action["Configuration"]["ConnectionArn"] == {"Ref": "ConnectionArn"}
    assert action["Configuration"]["FullRepositoryId"] == {"Ref": "RepositoryId"}
    assert action["Configuration"]["BranchName"] == {"Ref": "BranchName"}
    (trigger,) = RESOURCES["Pipeline"]["Properties"]["Triggers"]
    assert trigger["GitConfiguration"]["Push"] == [{"Branches": {"Includes": [{"Ref": "BranchName"}]}}]


def test_given_parameters_then_connection_repository_branch_stacks_and_optional_email():
    parameters = PIPELINE["Parameters"]
    assert {"ConnectionArn", "RepositoryId", "BranchName", "StagingStackName", "ProdStackName", "ApprovalEmail"} <= set(
        parameters
    )
    assert parameters["BranchName"]["Default"] == "main"
    assert parameters["ApprovalEmail"]["Default"] == ""
    assert re.fullmatch(parameters["ApprovalEmail"]["AllowedPattern"], "")
    for env, (_, _, _, parameter) in DEPLOYS.items():
        # The pipeline's roles may touch these stacks only; samconfig.toml must deploy the same ones.
        assert parameters[parameter]["Default"] == SAMCONFIG[env]["global"]["parameters"]["stack_name"]


@pytest.mark.parametrize("stage_name", CODEBUILD_STAGES)
def test_given_codebuild_stage_then_its_project_runs_its_buildspec_with_the_key_and_encrypted_logs(stage_name):
    project, spec, input_artifact = CODEBUILD_STAGES[stage_name]
    (action,) = stage(stage_name)["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeBuild"
    assert action["Configuration"]["ProjectName"] == {"Ref": project}
    assert action["InputArtifacts"] == [{"Name": input_artifact}]
    properties = RESOURCES[project]["Properties"]
    assert properties["Source"] == {"Type": "CODEPIPELINE", "BuildSpec": spec}
    assert (REPO_ROOT / spec).is_file()
    assert properties["EncryptionKey"] == KEY_ARN
    assert properties["Environment"]["PrivilegedMode"] is False
    logs = properties["LogsConfig"]["CloudWatchLogs"]
    assert logs["Status"] == "ENABLED"
    log_group = RESOURCES[logs["GroupName"]["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["KmsKeyId"] == KEY_ARN
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert sub(log_group["Properties"]["LogGroupName"]).startswith("/aws/codebuild/${AWS::StackName}-")


def test_given_codebuild_projects_then_each_has_a_role_of_its_own():
    roles = [RESOURCES[project]["Properties"]["ServiceRole"] for project, _, _ in CODEBUILD_STAGES.values()]
    roles.append(RESOURCES["Pipeline"]["Properties"]["RoleArn"])
    assert len({json.dumps(role) for role in roles}) == len(roles)


def test_given_build_stage_then_it_outputs_what_the_deploys_read():
    (action,) = stage("Build")["Actions"]
    assert action["OutputArtifacts"] == [{"Name": "BuildOutput"}]
    files = buildspec("buildspec.yml")["artifacts"]["files"]
    assert {"packaged.yaml", "samconfig.toml", "buildspec-deploy.yml", "requirements-sam.txt"} <= set(files)
    # The storefront's build and the script that publishes it after each deploy.
    assert {"frontend/dist/**/*", "scripts/publish_web.py"} <= set(files)
    built = {"packaged.yaml", "frontend/dist/**/*"}
    assert all((REPO_ROOT / name).is_file() for name in files if name not in built)


def test_given_approval_stage_then_manual_with_the_topic_when_an_email_is_given():
    (action,) = stage("Approval")["Actions"]
    assert action["ActionTypeId"]["Category"] == "Approval" and action["ActionTypeId"]["Provider"] == "Manual"
    assert action["Configuration"]["NotificationArn"] == {
        "Fn::If": ["HasApprovalEmail", {"Ref": "ApprovalTopic"}, {"Ref": "AWS::NoValue"}]
    }
    topic = RESOURCES["ApprovalTopic"]
    assert topic["Condition"] == "HasApprovalEmail"
    assert topic["Properties"]["KmsMasterKeyId"] == KEY_ARN
    assert topic["Properties"]["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "ApprovalEmail"}}]


# --- encryption and the artifact bucket -------------------------------------------------------------------------


def test_given_artifact_store_then_it_is_the_bucket_encrypted_with_the_key():
    store = RESOURCES["Pipeline"]["Properties"]["ArtifactStore"]
    assert store == {
        "Type": "S3",
        "Location": {"Ref": "ArtifactBucket"},
        "EncryptionKey": {"Type": "KMS", "Id": KEY_ARN},
    }


def test_given_key_then_rotated_and_cloudwatch_logs_may_use_it_for_this_stacks_log_groups_only():
    key = RESOURCES["ArtifactKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    (logs,) = [s for s in key["KeyPolicy"]["Statement"] if s["Principal"].get("Service")]
    assert sub(logs["Principal"]["Service"]) == "logs.${AWS::Region}.amazonaws.com"
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert sub(context).endswith(":log-group:/aws/codebuild/${AWS::StackName}-*")


def test_given_artifact_bucket_then_kms_encrypted_versioned_and_private():
    bucket = RESOURCES["ArtifactBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4


def test_given_bucket_policy_then_it_denies_plain_http_and_uploads_not_encrypted_with_kms():
    statements = RESOURCES["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (tls,) = [s for s in statements if "aws:SecureTransport" in s.get("Condition", {}).get("Bool", {})]
    assert tls["Effect"] == "Deny" and tls["Principal"] == "*" and tls["Action"] == "s3:*"
    assert tls["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    assert tls["Resource"] == [{"Fn::GetAtt": ["ArtifactBucket", "Arn"]}, {"Fn::Sub": "${ArtifactBucket.Arn}/*"}]
    (sse,) = [s for s in statements if s.get("Condition", {}).get("StringNotEquals")]
    assert sse["Effect"] == "Deny" and sse["Action"] == "s3:PutObject"
    assert sse["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "aws:kms"}


# --- least privilege ------------------------------------------------------------------------------------------


def test_given_iam_statements_then_no_allow_on_every_resource_outside_the_justified_list():
    wildcards = {
        (owner, statement.get("Sid"))
        for owner, statement in policy_statements()
        if statement["Effect"] == "Allow" and "*" in listed(statement["Resource"])
    }
    assert wildcards == ALLOWED_WILDCARD_STATEMENTS | set(ALLOWED_UNNAMED_ACTIONS)
    for (owner, sid), actions in ALLOWED_UNNAMED_ACTIONS.items():
        (statement,) = [s for o, s in policy_statements() if (o, s.get("Sid")) == (owner, sid)]
        assert listed(statement["Action"]) == actions
    for owner, statement in policy_statements():
        assert "*" not in listed(statement["Action"]), owner


def test_given_the_wildcard_statement_then_it_is_held_to_the_region_and_grants_no_iam_or_kms():
    (statement,) = [s for o, s in policy_statements() if (o, s.get("Sid")) in ALLOWED_WILDCARD_STATEMENTS]
    assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}}
    services = {action.split(":")[0] for action in statement["Action"]}
    assert not services & {"iam", "kms", "sts", "organizations", "s3", "cloudformation", "codebuild"}


def test_given_roles_then_each_trusts_only_its_service():
    expected = {
        "PipelineRole": "codepipeline.amazonaws.com",
        "BuildRole": "codebuild.amazonaws.com",
        "StagingDeployRole": "codebuild.amazonaws.com",
        "ProdDeployRole": "codebuild.amazonaws.com",
        "IntegrationTestRole": "codebuild.amazonaws.com",
        "StagingCloudFormationRole": "cloudformation.amazonaws.com",
        "ProdCloudFormationRole": "cloudformation.amazonaws.com",
    }
    roles = {logical_id for logical_id, r in RESOURCES.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == set(expected)
    for role, service in expected.items():
        (trust,) = RESOURCES[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": service} and trust["Action"] == "sts:AssumeRole"


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_deploy_role_then_it_touches_its_own_stack_and_passes_its_own_cloudformation_role(env):
    _, deploy_role, cloudformation_role, stack_parameter = DEPLOYS[env]
    statements = role_statements(deploy_role)
    stack_arn = (
        f"arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/${{{stack_parameter}}}/*"
    )
    cloudformation = [s for s in statements if any(a.startswith("cloudformation:") for a in listed(s["Action"]))]
    assert {sub(r) for s in cloudformation for r in listed(s["Resource"])} == {
        stack_arn,
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:aws:transform/LanguageExtensions",
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:aws:transform/Serverless-2016-10-31",
    }
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"] == {"Fn::GetAtt": [cloudformation_role, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_cloudformation_role_then_iam_only_on_roles_named_after_its_stack(env):
    _, _, cloudformation_role, stack_parameter = DEPLOYS[env]
    assert RESOURCES[cloudformation_role]["Properties"]["ManagedPolicyArns"] == [{"Ref": "StackResourcesPolicy"}]
    role_prefix = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{{stack_parameter}}}-*"
    # The functions' permissions boundary is a managed policy of the stack, named after it like its roles.
    policy_prefix = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/${{{stack_parameter}}}-*"
    iam = [s for s in role_statements(cloudformation_role) if listed(s["Action"])[0].startswith("iam:")]
    assert iam and {sub(s["Resource"]) for s in iam} == {role_prefix, policy_prefix}


def test_given_integration_role_then_it_only_reads_the_staging_stack():
    cloudformation = [s for s in role_statements("IntegrationTestRole") if "cloudformation" in json.dumps(s["Action"])]
    assert [(s["Action"], sub(s["Resource"])) for s in cloudformation] == [
        (
            "cloudformation:DescribeStacks",
            "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${StagingStackName}/*",
        )
    ]


# The IAM service prefix of a resource type (AWS::<Service>::<Thing>) where it is not the lowercased service name.
SERVICE_PREFIXES = {
    "OpenSearchService": "es",
    "Elasticsearch": "es",
    "Cognito": "cognito-idp",
    "ApiGatewayV2": "apigateway",
}
# What CloudFormation creates for SAM's types and event sources (after the Serverless transform).
SAM_TYPE_SERVICES = {
    "AWS::Serverless::Function": {"lambda", "iam"},
    "AWS::Serverless::LayerVersion": {"lambda"},
    "AWS::Serverless::Api": {"apigateway"},
    "AWS::Serverless::HttpApi": {"apigateway"},
    "AWS::Serverless::SimpleTable": {"dynamodb"},
}
SAM_EVENT_SERVICES = {"Api": "apigateway", "HttpApi": "apigateway", "DynamoDB": "lambda", "SQS": "lambda"}


def app_template_services() -> set[str]:
    template = load_template()
    services = set()
    for logical_id, resource in template["Resources"].items():
        resource_type = resource["Type"]
        if resource_type.startswith("Custom::"):
            services.add("lambda")  # CloudFormation invokes the custom resource's function
        elif resource_type.startswith("AWS::Serverless::"):
            assert resource_type in SAM_TYPE_SERVICES, f"{logical_id}: map {resource_type} to its services here"
            services |= SAM_TYPE_SERVICES[resource_type]
            for event in resource.get("Properties", {}).get("Events", {}).values():
                assert event["Type"] in SAM_EVENT_SERVICES, f"{logical_id}: map event type {event['Type']} here"
                services.add(SAM_EVENT_SERVICES[event["Type"]])
        else:
            service = resource_type.split("::")[1]
            services.add(SERVICE_PREFIXES.get(service, service.lower()))
    return services


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_the_app_template_then_the_cloudformation_roles_cover_every_service_it_uses(env):
    _, _, cloudformation_role, _ = DEPLOYS[env]
    owners = ("StackResourcesPolicy", cloudformation_role)
    allowed = [s for o, s in policy_statements() if o in owners and s["Effect"] == "Allow"]
    granted = {action.split(":")[0] for s in allowed for action in listed(s["Action"])}
    missing = app_template_services() - granted
    assert not missing, f"template.yaml uses {sorted(missing)}: add them to StackResourcesPolicy in pipeline.yaml"


def test_given_cloudfront_then_the_stack_policy_holds_it_to_this_account():
    wanted = ("StackResourcesPolicy", "StackCloudFront")
    (statement,) = [s for o, s in policy_statements() if (o, s.get("Sid")) == wanted]
    assert statement["Action"] == "cloudfront:*"
    assert sub(statement["Resource"]) == "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:*"


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_cloudformation_role_then_buckets_only_named_after_its_stack_and_never_their_objects(env):
    _, _, cloudformation_role, stack_parameter = DEPLOYS[env]
    (statement,) = [s for s in role_statements(cloudformation_role) if "s3:CreateBucket" in listed(s["Action"])]
    assert sub(statement["Resource"]) == f"arn:${{AWS::Partition}}:s3:::${{{stack_parameter}}}-*"
    assert not [a for a in listed(statement["Action"]) if "Object" in a]


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_deploy_role_then_it_publishes_only_into_its_stacks_web_bucket_and_distribution(env):
    _, deploy_role, _, stack_parameter = DEPLOYS[env]
    statements = role_statements(deploy_role)
    (put,) = [s for s in statements if s["Action"] == "s3:PutObject" and "webbucket" in sub(s["Resource"])]
    assert sub(put["Resource"]) == f"arn:${{AWS::Partition}}:s3:::${{{stack_parameter}}}-webbucket-*/*"
    (invalidate,) = [s for s in statements if "cloudfront:CreateInvalidation" in listed(s["Action"])]
    assert set(listed(invalidate["Action"])) == {"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"}
    assert sub(invalidate["Resource"]) == "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
    assert invalidate["Condition"] == {
        "StringEquals": {"aws:ResourceTag/aws:cloudformation:stack-name": {"Ref": stack_parameter}}
    }


def test_given_deploy_buildspec_then_the_storefront_is_published_into_the_stack_after_its_deploy():
    steps = commands(buildspec("buildspec-deploy.yml"))
    deploy = next(i for i, c in enumerate(steps) if "sam deploy" in c)
    (publish,) = [i for i, c in enumerate(steps) if "publish_web.py" in c]
    assert publish > deploy
    arguments = shlex.split(steps[publish])
    assert arguments[:2] == [".venv-sam/bin/python", "scripts/publish_web.py"]
    assert arguments[arguments.index("--stack-name") + 1] == "$STACK_NAME"
    assert arguments[arguments.index("--dist") + 1] == "frontend/dist"


def sam_managed_policies(template: dict[str, Any], stack_name: str) -> set[str]:
    """The managed policies SAM attaches to the template's function roles: AWS managed ones, and the stack's own
    (CloudFormation names those <stack>-<logical id>-<suffix>)."""
    policies = set()
    tracing = template.get("Globals", {}).get("Function", {}).get("Tracing")
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        policies.add("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        if properties.get("Tracing", tracing) == "Active":
            policies.add("arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess")
        for event in properties.get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                policies.add("arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole")
            if event["Type"] == "SQS":
                policies.add("arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
        for policy in properties.get("Policies", []):
            if isinstance(policy, str):
                policies.add(policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}")
            elif isinstance(policy, dict) and set(policy) == {"Ref"}:
                assert template["Resources"][policy["Ref"]]["Type"] == "AWS::IAM::ManagedPolicy", policy
                policies.add(f"arn:aws:iam::{ACCOUNT}:policy/{stack_name}-{policy['Ref']}-ABCDEF123456")
    return policies


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_the_app_template_then_its_function_roles_managed_policies_may_be_attached(env):
    _, _, cloudformation_role, stack_parameter = DEPLOYS[env]
    stack_name = PIPELINE["Parameters"][stack_parameter]["Default"]
    (attach,) = [s for s in role_statements(cloudformation_role) if "iam:AttachRolePolicy" in listed(s["Action"])]
    patterns = [
        sub(p)
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::AccountId}", ACCOUNT)
        .replace(f"${{{stack_parameter}}}", stack_name)
        for p in attach["Condition"]["ArnLike"]["iam:PolicyARN"]
    ]
    needed = sam_managed_policies(load_template(), stack_name)
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in needed
    assert f"arn:aws:iam::{ACCOUNT}:policy/{stack_name}-TablesDataKeyReadPolicy-ABCDEF123456" in needed
    refused = {arn for arn in needed if not any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns)}
    assert not refused, f"template.yaml needs {sorted(refused)}: allow them in pipeline.yaml ({cloudformation_role})"
    assert not any(fnmatch.fnmatchcase("arn:aws:iam::aws:policy/AdministratorAccess", p) for p in patterns)
    other_stack = f"arn:aws:iam::{ACCOUNT}:policy/another-stack-Policy-ABCDEF123456"
    assert not any(fnmatch.fnmatchcase(other_stack, p) for p in patterns)


def test_given_packaged_code_then_the_cloudformation_roles_may_read_exactly_its_prefix():
    (package,) = [c for c in commands(buildspec("buildspec.yml")) if "sam package" in c]
    prefix = shlex.split(package)[shlex.split(package).index("--s3-prefix") + 1]
    for _, _, cloudformation_role, _ in DEPLOYS.values():
        (read,) = [s for s in role_statements(cloudformation_role) if "s3:GetObject" in listed(s["Action"])]
        assert sub(read["Resource"]) == f"${{ArtifactBucket.Arn}}/{prefix}/*"


# --- buildspecs -----------------------------------------------------------------------------------------------


def test_given_build_buildspec_then_python313_make_install_make_test_and_a_kms_encrypted_package():
    spec = buildspec("buildspec.yml")
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.13", "nodejs": "20"}
    assert spec["phases"]["install"]["commands"] == ["make install"]
    build = spec["phases"]["build"]["commands"]
    assert build[0] == "make test"
    # The storefront is built from its lock file, before the package the deploy stages take it from.
    npm = [c for c in build if c.startswith("npm ")]
    assert [shlex.split(c)[:2] for c in npm] == [["npm", "ci"], ["npm", "run"]]
    assert all("--prefix frontend" in c for c in npm) and "build" in shlex.split(npm[1])
    (package,) = [shlex.split(command) for command in build if "sam package" in command]
    assert package[:2] == [".venv-sam/bin/sam", "package"]
    # SAM CLI expands the template's Fn::ForEach only when told; no samconfig.toml sits beside the built template.
    assert "--language-extensions" in package
    package.remove("--language-extensions")
    options = dict(zip(package[2::2], package[3::2], strict=True))
    assert options["--s3-bucket"] == "$ARTIFACT_BUCKET" and options["--kms-key-id"] == "$ARTIFACT_KEY_ARN"
    assert options["--output-template-file"] == "packaged.yaml"
    assert environment("BuildProject") == {"ARTIFACT_BUCKET": {"Ref": "ArtifactBucket"}, "ARTIFACT_KEY_ARN": KEY_ARN}


def deploy_command(env: str) -> list[str]:
    """buildspec-deploy.yml's `sam deploy`, with the variables the env's deploy project sets."""
    project, _, cloudformation_role, stack_parameter = DEPLOYS[env]
    variables = environment(project)
    assert variables["SAM_CONFIG_ENV"] == env
    assert variables["STACK_NAME"] == {"Ref": stack_parameter}
    assert variables["CLOUDFORMATION_ROLE_ARN"] == {"Fn::GetAtt": [cloudformation_role, "Arn"]}
    assert variables["ARTIFACT_BUCKET"] == {"Ref": "ArtifactBucket"} and variables["ARTIFACT_KEY_ARN"] == KEY_ARN
    values = {
        "SAM_CONFIG_ENV": env,
        "STACK_NAME": PIPELINE["Parameters"][stack_parameter]["Default"],
        "CLOUDFORMATION_ROLE_ARN": f"arn:aws:iam::111122223333:role/shop-pipeline-cfn-{env}",
        "ARTIFACT_BUCKET": "artifact-bucket",
        "ARTIFACT_KEY_ARN": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }
    (deploy,) = [c for c in commands(buildspec("buildspec-deploy.yml")) if "sam deploy" in c]
    return shlex.split(re.sub(r"\$(\w+)", lambda m: values[m.group(1)], deploy))


@pytest.mark.parametrize("env", DEPLOYS)
def test_given_deploy_project_then_sam_deploy_uses_its_config_env_and_cloudformation_role(env):
    command = deploy_command(env)
    assert command[:2] == [".venv-sam/bin/sam", "deploy"]
    assert command[command.index("--config-env") + 1] == env
    assert command[command.index("--template-file") + 1] == "packaged.yaml"
    assert {"--no-confirm-changeset", "--no-fail-on-empty-changeset"} <= set(command)
    assert command[command.index("--role-arn") + 1].endswith(f"-cfn-{env}")
    # Parameters come from samconfig.toml alone.
    assert "--parameter-overrides" not in command and "--stack-name" not in command


@pytest.mark.skipif(not SAM_PYTHON.exists(), reason="needs the SAM CLI environment: run `make install`")
@pytest.mark.parametrize("env", DEPLOYS)
def test_given_sam_cli_when_it_resolves_the_deploy_command_then_samconfig_decides_stack_and_parameters(env, tmp_path):
    """SAM CLI's own option parsing and samconfig.toml loading, with its package and deploy steps replaced."""
    (tmp_path / "samconfig.toml").write_text((REPO_ROOT / "samconfig.toml").read_text())
    (tmp_path / "packaged.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n')
    resolve = """
import json, sys
from unittest import mock
from click.testing import CliRunner
seen = {}
class Step:
    def __init__(self, **kwargs): seen[type(self).__name__] = kwargs
    def __enter__(self): return self
    def __exit__(self, *exc): return False
    def run(self): pass
class PackageContext(Step): pass
class DeployContext(Step): pass
with mock.patch("samcli.commands.package.package_context.PackageContext", PackageContext), \\
        mock.patch("samcli.commands.deploy.deploy_context.DeployContext", DeployContext):
    from samcli.commands.deploy.command import cli
    result = CliRunner().invoke(cli, sys.argv[1:])
if result.exit_code:
    sys.exit(f"sam deploy refused the command: {result.output} {result.exception!r}")
print(json.dumps(seen["DeployContext"], default=sorted))
"""
    arguments = deploy_command(env)[2:]
    environ = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_REGION": "eu-west-1"}
    completed = subprocess.run(
        [str(SAM_PYTHON), "-c", resolve, *arguments],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    deploy = json.loads(completed.stdout.strip().splitlines()[-1])
    settings = SAMCONFIG[env]
    assert deploy["stack_name"] == settings["global"]["parameters"]["stack_name"]
    assert deploy["parameter_overrides"] == samconfig_parameters(env)
    assert set(deploy["capabilities"]) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert deploy["s3_bucket"] == "artifact-bucket" and deploy["kms_key_id"].startswith("arn:aws:kms:")
    assert deploy["confirm_changeset"] is False and deploy["fail_on_empty_changeset"] is False
    assert deploy["tags"]["environment"] == env
    # The template uses AWS::LanguageExtensions: SAM CLI expands it (Fn::ForEach) only when told to.
    assert deploy["language_extensions"] is True


def test_given_integration_buildspec_then_it_smoke_tests_the_staging_api_url():
    assert environment("IntegrationTestProject") == {"STACK_NAME": {"Ref": "StagingStackName"}}
    steps = commands(buildspec("buildspec-integration.yml"))
    (describe,) = [c for c in steps if "describe-stacks" in c]
    assert '--stack-name "$STACK_NAME"' in describe and "OutputKey=='ApiUrl'" in describe
    assert describe.startswith("SHOP_API_URL=") and "export SHOP_API_URL" in steps
    (pytest_run,) = [c for c in steps if "pytest" in c and "install" not in c]
    assert "tests/smoke/test_deployed_api.py" in shlex.split(pytest_run)


def test_given_cfn_lint_then_pipeline_template_has_no_findings():
    from cfnlint.api import ManualArgs, lint_file

    findings = lint_file(REPO_ROOT / "pipeline.yaml", config=ManualArgs(include_checks=["I"]))
    assert [str(finding) for finding in findings] == []


# --- samconfig.toml -------------------------------------------------------------------------------------------


def samconfig_parameters(env: str) -> dict[str, str]:
    parameters = {}
    for pair in SAMCONFIG[env]["deploy"]["parameters"]["parameter_overrides"]:
        key, value = pair.split("=", 1)
        parameters[key] = "" if value == '""' else value
    return parameters


ENVS = {"default": "dev", "staging": "staging", "prod": "prod"}


@pytest.mark.parametrize("env", ENVS)
def test_given_samconfig_env_then_it_names_its_stack_and_sets_every_template_parameter(env):
    assert SAMCONFIG[env]["global"]["parameters"]["stack_name"].startswith("shop-")
    deploy = SAMCONFIG[env]["deploy"]["parameters"]
    assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    parameters = samconfig_parameters(env)
    assert set(parameters) == TEMPLATE_PARAMETERS
    assert parameters["Stage"] == ENVS[env]
    assert int(parameters["SearchInstanceCount"]) % 2 == 0, "zone awareness spreads data nodes over two AZs"
    assert parameters["SearchDedicatedMasterEnabled"] in {"true", "false"}
    assert parameters["TableDeletionProtection"] in {"true", "false"}


def test_given_samconfig_then_the_stacks_differ():
    names = [SAMCONFIG[env]["global"]["parameters"]["stack_name"] for env in ENVS]
    assert len(set(names)) == len(names)


def test_given_prod_then_protected_bigger_than_dev_with_dedicated_masters_and_its_own_origins():
    dev, staging, prod = (samconfig_parameters(env) for env in ENVS)
    assert prod["TableDeletionProtection"] == "true"
    assert prod["SearchDedicatedMasterEnabled"] == "true" and int(prod["SearchDedicatedMasterCount"]) % 2 == 1
    assert prod["SearchInstanceType"] != dev["SearchInstanceType"]
    assert int(prod["SearchInstanceCount"]) > int(dev["SearchInstanceCount"])
    assert int(prod["SearchVolumeGiB"]) > int(staging["SearchVolumeGiB"]) > int(dev["SearchVolumeGiB"])
    assert int(prod["LogRetentionDays"]) >= 365 > int(dev["LogRetentionDays"])
    assert prod["CorsAllowedOrigins"] != dev["CorsAllowedOrigins"] != staging["CorsAllowedOrigins"]
    for params in (staging, prod):
        assert all(origin.startswith("https://") for origin in params["CorsAllowedOrigins"].split(","))
    assert dev["LogLevel"] == "DEBUG" and prod["LogLevel"] == "INFO"


def test_given_pipeline_envs_then_no_resolve_s3_which_sam_refuses_beside_the_pipelines_bucket():
    for env in ("staging", "prod"):
        assert "resolve_s3" not in SAMCONFIG[env]["deploy"]["parameters"]
    assert SAMCONFIG["default"]["deploy"]["parameters"]["resolve_s3"] is True


def test_given_local_sections_then_unchanged():
    assert SAMCONFIG["default"]["local_start_api"]["parameters"] == {
        "env_vars": "local/env.json",
        "docker_network": "host",
        "warm_containers": "EAGER",
    }
    assert SAMCONFIG["default"]["local_invoke"]["parameters"] == {
        "env_vars": "local/env.json",
        "docker_network": "host",
    }
