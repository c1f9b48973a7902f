"""Order e-mails through SES v2 with stored templates (an HTML part and a text part each)."""

import json
from collections.abc import Mapping
from typing import Any

from shop.common.clients import aws_client


class SesMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send_template(self, to: str, template: str, data: Mapping[str, Any]) -> str:
        response = aws_client("sesv2").send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={"Template": {"TemplateName": template, "TemplateData": json.dumps(data)}},
        )
        return str(response["MessageId"])
