"""Low-stock alerts on the admins' SNS topic."""

from functools import cache
from typing import Any


@cache
def sns_client() -> Any:  # boto3 client: no stubs installed
    import boto3

    return boto3.client("sns")


class SnsAlerts:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, subject: str, message: str) -> None:
        sns_client().publish(TopicArn=self.topic_arn, Subject=subject, Message=message)
