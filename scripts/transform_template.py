"""Print template.yaml as CloudFormation sees it after its transforms (JSON), offline.

    .venv-sam/bin/python scripts/transform_template.py [--param Name=Value ...] [--expand-only] [template.yaml]

First AWS::LanguageExtensions (Fn::ForEach, expanded by devstack.template, as the local stack reads it), then
the SAM transform by aws-sam-translator, the library `sam deploy` uses, from the SAM CLI environment. Tests read
the result to check what actually reaches CloudFormation: the roles SAM writes, the aliases and deployment
groups, the permissions of each event source. The template names no managed policy by name, so no IAM lookup is
needed. --expand-only stops after the first step: the template checkov scans (it has no Fn::ForEach of its own).
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
# Pseudo parameters of an example account; they only fill in ARNs.
PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "eu-west-1",
    "AWS::Partition": "aws",
    "AWS::StackName": "shop-test",
    "AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-test/0000",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
    "AWS::NoValue": None,
}


class NoManagedPolicyLookup:
    """Fails loudly if the template ever names a managed policy by name (that would need IAM)."""

    def load(self) -> dict[str, str]:
        raise RuntimeError("the template names a managed policy by name; use its ARN")


def _as_packaged(template: dict[str, Any]) -> None:
    """Local code paths become S3 locations, as `sam package` leaves them (the translator accepts only those)."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = f"s3://packaged-artifacts/{properties[key]}.zip"


def expanded(template_path: Path = TEMPLATE) -> dict[str, Any]:
    """The template after AWS::LanguageExtensions, which CloudFormation runs before the SAM transform."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # run as a script from the SAM CLI environment
    from devstack.template import expand_for_each

    template = expand_for_each(yaml_parse(template_path.read_text()))
    transforms = template.get("Transform")
    if isinstance(transforms, list) and LANGUAGE_EXTENSIONS in transforms:
        template["Transform"] = [name for name in transforms if name != LANGUAGE_EXTENSIONS]
        if len(template["Transform"]) == 1:
            template["Transform"] = template["Transform"][0]
    return template


def transformed(template_path: Path = TEMPLATE, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    # The translator asks boto3 for a region even when the pseudo parameters name one.
    os.environ["AWS_DEFAULT_REGION"] = str(PSEUDO_PARAMETERS["AWS::Region"])
    template = expanded(template_path)
    _as_packaged(template)
    values = {name: spec["Default"] for name, spec in template.get("Parameters", {}).items() if "Default" in spec}
    values |= PSEUDO_PARAMETERS | (parameters or {})
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle notes are noise here
    return transform(template, values, NoManagedPolicyLookup())  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("template", nargs="?", type=Path, default=TEMPLATE)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--expand-only", action="store_true", help="stop after AWS::LanguageExtensions")
    args = parser.parse_args(argv)
    malformed = [item for item in args.param if "=" not in item]
    if malformed:
        parser.error(f"--param takes Name=Value, not {malformed[0]!r}")
    parameters = dict(item.split("=", 1) for item in args.param)
    if args.expand_only:
        json.dump(expanded(args.template), sys.stdout, indent=1, default=str)
        return 0
    try:
        document = transformed(args.template, parameters)
    except InvalidDocumentException as error:
        print(f"SAM transform failed: {error}", file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
