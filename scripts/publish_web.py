"""Publish the storefront (the built frontend/dist) to a deployed stack, as the pipeline does after each deploy.

    .venv-sam/bin/python scripts/publish_web.py --stack-name shop-staging [--dist frontend/dist]

Reads the stack's outputs, uploads the build into its web bucket and invalidates its distribution:
- files under assets/ are named by their content (Vite): cached for a year, immutable;
- every other file (index.html, the service worker, the manifest, icons) is revalidated on every load;
- config.json is written from the outputs (API URL, OIDC authority, client id, sign-out URL), so one build serves
  every environment; the build's own config*.json (a local example) is not uploaded;
- index.html goes last, so that a browser never gets an index naming files not uploaded yet. Older assets stay:
  a page loaded before the release still finds the chunks it loads later.
"""

import argparse
import json
import mimetypes
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
DIST = REPO_ROOT / "frontend" / "dist"
ASSETS_PREFIX = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_CACHED = "no-cache"
INDEX = "index.html"
CONFIG = "config.json"
# The app's scopes: the user pool client allows exactly these.
SCOPE = "openid email profile"
# The outputs of template.yaml this script reads.
OUTPUTS = (
    "ApiUrl",
    "LiveStatusUrl",
    "UserPoolAuthority",
    "UserPoolClientId",
    "UserPoolLogoutUrl",
    "WebBucketName",
    "WebDistributionId",
)
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".map": "application/json",
}


class PublishError(Exception):
    """Something the person running the publish must fix; the message says what."""


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    cache_control: str
    content_type: str


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    """How long browsers and CloudFront keep the file at this key (its path under the site's root)."""
    return IMMUTABLE if key.startswith(ASSETS_PREFIX) else NOT_CACHED


def uploads(dist: Path) -> list[Upload]:
    """The build's files in upload order: assets, then the other files, index.html last."""
    if not (dist / INDEX).is_file():
        raise PublishError(f"{dist / INDEX} is missing: build the app first (npm ci && npm run build in frontend/)")
    files = sorted(path for path in dist.rglob("*") if path.is_file())
    keys = [(path.relative_to(dist).as_posix(), path) for path in files]
    # config.json is this stack's (written below); a config*.json at the root of the build is a local example.
    keys = [(key, path) for key, path in keys if not (key.startswith("config") and key.endswith(".json"))]

    def upload(key: str, path: Path) -> Upload:
        return Upload(key, path, cache_control(key), content_type(key))

    assets = [upload(key, path) for key, path in keys if key.startswith(ASSETS_PREFIX)]
    others = [upload(key, path) for key, path in keys if not key.startswith(ASSETS_PREFIX) and key != INDEX]
    return [*assets, *others, upload(INDEX, dist / INDEX)]


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    missing = [name for name in OUTPUTS if not outputs.get(name)]
    if missing:
        raise PublishError(f"stack {stack_name} has no output {', '.join(missing)}: is it deployed from template.yaml?")
    return outputs


def web_config(outputs: dict[str, str]) -> dict[str, Any]:
    """config.json: the shape frontend/src/lib/config.ts reads."""
    return {
        "apiUrl": outputs["ApiUrl"],
        "wsUrl": outputs["LiveStatusUrl"],
        "oidc": {
            "authority": outputs["UserPoolAuthority"],
            "clientId": outputs["UserPoolClientId"],
            "scope": SCOPE,
            "logoutUrl": outputs["UserPoolLogoutUrl"],
        },
    }


def publish(s3: Any, cloudfront: Any, outputs: dict[str, str], dist: Path, *, reference: str) -> str:
    """Uploads the build and the config, then invalidates the distribution; returns the invalidation's id."""
    *before_index, index = uploads(dist)
    config = json.dumps(web_config(outputs), indent=2).encode()
    objects = [(u.key, u.path.read_bytes(), u.cache_control, u.content_type) for u in before_index]
    objects.append((CONFIG, config, NOT_CACHED, CONTENT_TYPES[".json"]))
    objects.append((index.key, index.path.read_bytes(), index.cache_control, index.content_type))
    for key, body, cache_control, media_type in objects:
        s3.put_object(
            Bucket=outputs["WebBucketName"], Key=key, Body=body, CacheControl=cache_control, ContentType=media_type
        )
    # Everything: the assets' names are new anyway, and one path counts once however many objects it covers.
    invalidation = cloudfront.create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference},
    )
    return str(invalidation["Invalidation"]["Id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--dist", type=Path, default=DIST)
    args = parser.parse_args(argv)
    try:
        outputs = stack_outputs(boto3.client("cloudformation"), args.stack_name)
        invalidation = publish(
            boto3.client("s3"),
            boto3.client("cloudfront"),
            outputs,
            args.dist,
            reference=f"{args.stack_name}-{time.time_ns()}",
        )
    except PublishError as error:
        print(f"publish_web: {error}", file=sys.stderr)
        return 2
    print(f"Published {args.dist} to {outputs.get('WebUrl', outputs['WebBucketName'])}")
    print(f"Invalidation {invalidation} of distribution {outputs['WebDistributionId']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
