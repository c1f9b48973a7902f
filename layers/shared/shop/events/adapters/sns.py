"""Low-stock alerts on the admins' SNS topic."""

from shop.common.clients import aws_client


class SnsAlerts:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, subject: str, message: str) -> None:
        aws_client("sns").publish(TopicArn=self.topic_arn, Subject=subject, Message=message)
