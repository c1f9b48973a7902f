"""Order e-mails through SES v2 with stored templates (an HTML part and a text part each)."""

import json
from collections.abc import Mapping
from functools import cache
from typing import Any


@cache
def sesv2_client() -> Any:  # boto3 client: no stubs installed
    import boto3

    return boto3.client("sesv2")


class SesMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send_template(self, to: str, template: str, data: Mapping[str, Any]) -> str:
        response = sesv2_client().send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={"Template": {"TemplateName": template, "TemplateData": json.dumps(data)}},
        )
        return str(response["MessageId"])
