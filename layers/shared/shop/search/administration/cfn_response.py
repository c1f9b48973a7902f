"""Answering a CloudFormation custom resource: one JSON document PUT to the request's pre-signed S3 URL.

No NAT is needed: the URL is an S3 one, reached through the VPC's S3 gateway endpoint. The URL lets whoever
holds it answer for the stack, so it is never logged.
"""

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

# Each attempt is short and the whole answer fits in a small budget: the caller reserves that budget before
# the function's timeout, and a PUT that hangs must not eat it.
ATTEMPT_TIMEOUT_SECONDS = 4.0
ATTEMPTS = 3
PAUSE_SECONDS = 0.5


class ResponseNotDelivered(Exception):
    """CloudFormation's URL could not be reached or refused the answer."""


# CloudFormation's response URLs are pre-signed S3 URLs over HTTPS. Plain HTTP only to this machine (local runs
# and tests): anyone who may invoke the function must not make it PUT to other hosts.
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_cloudformation_response_url(url: str) -> bool:
    address = urlsplit(url)
    host = (address.hostname or "").lower()
    if address.scheme == "https":
        return host.endswith(AWS_HOST_SUFFIXES)
    return address.scheme == "http" and host in LOOPBACK_HOSTS


def put_response(url: str, body: dict[str, Any]) -> None:
    """PUT the answer, retrying what a retry can fix (no answer, 5xx); raise if it never got through."""
    if not is_cloudformation_response_url(url):
        raise ResponseNotDelivered("the ResponseURL is not an HTTP(S) URL of CloudFormation's (S3)")
    data = json.dumps(body).encode()
    # The pre-signed signature covers no Content-Type; without an explicit empty one urllib would add its
    # own (form-urlencoded) and S3 would refuse the signature.
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})  # noqa: S310
    problem = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(PAUSE_SECONDS * attempt)
        try:
            # nosec B310: the URL is checked above (https to AWS, or http to this machine).
            with urllib.request.urlopen(request, timeout=ATTEMPT_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
                response.read()
                return
        except urllib.error.HTTPError as error:
            problem = f"{error.code} {error.reason}"
            # 403: the URL expired or its signature does not match; 4xx never gets better.
            if error.code < 500:
                break
        except (urllib.error.URLError, OSError) as error:  # includes timeouts
            problem = str(getattr(error, "reason", error))
    raise ResponseNotDelivered(f"CloudFormation's response URL did not take the answer: {problem}")
