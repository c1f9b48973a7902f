"""The events context's settings, read from the environment once per container (a missing or malformed variable
fails the cold start, naming it). Variable names are the template's and the local stack's."""

from pydantic import Field, model_validator

from shop.common.settings import EnvironmentSettings, cached_settings


class PublisherSettings(EnvironmentSettings):
    """Where the publisher puts events, and when a product's stock counts as low."""

    event_bus_name: str = Field(min_length=1, validation_alias="EVENT_BUS_NAME")
    # ProductStockLow when the stock falls from above this to this or below (and not to zero).
    stock_low_threshold: int = Field(default=5, ge=1, le=10**6, validation_alias="STOCK_LOW_THRESHOLD")
    # Calls per batch for the entries EventBridge refuses (throttling, internal failures), the first included.
    put_attempts: int = Field(default=3, ge=1, le=10, validation_alias="PUT_EVENTS_ATTEMPTS")


class MailSettings(EnvironmentSettings):
    """Who order e-mails come from, their SES templates, and where customers' addresses are found."""

    mail_from: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", validation_alias="MAIL_FROM")
    order_placed_template: str = Field(min_length=1, validation_alias="ORDER_PLACED_TEMPLATE")
    order_status_template: str = Field(min_length=1, validation_alias="ORDER_STATUS_TEMPLATE")
    order_cancelled_template: str = Field(min_length=1, validation_alias="ORDER_CANCELLED_TEMPLATE")
    # The Cognito user pool whose users' `email` attribute is the address.
    user_pool_id: str = Field(default="", validation_alias="USER_POOL_ID")
    # Locally there is no user pool: user `alice` is `alice@<this domain>`. Takes precedence when set.
    local_user_email_domain: str = Field(default="", validation_alias="LOCAL_USER_EMAIL_DOMAIN")

    @model_validator(mode="after")
    def _a_directory(self) -> "MailSettings":
        if not (self.user_pool_id or self.local_user_email_domain):
            raise ValueError("set USER_POOL_ID (or LOCAL_USER_EMAIL_DOMAIN on the local stack)")
        return self


class LiveStatusSettings(EnvironmentSettings):
    """The WebSocket connections table, and how long a connection is kept if its $disconnect never comes."""

    connections_table_name: str = Field(min_length=1, validation_alias="CONNECTIONS_TABLE_NAME")
    # API Gateway closes every connection after two hours; a day leaves room and the TTL cleans up the rest.
    connection_ttl_seconds: int = Field(
        default=24 * 3600, ge=7200, le=7 * 24 * 3600, validation_alias="CONNECTION_TTL_SECONDS"
    )
    # The stage's @connections endpoint: https://<api>.execute-api.<region>.amazonaws.com/<stage> in AWS.
    websocket_management_endpoint: str = Field(
        pattern=r"^https?://[^/\s]+/[^/\s]+$", validation_alias="WEBSOCKET_MANAGEMENT_ENDPOINT"
    )


class AlertSettings(EnvironmentSettings):
    """Where low-stock alerts go."""

    alerts_topic_arn: str = Field(pattern=r"^arn:[\w-]+:sns:", validation_alias="ALERTS_TOPIC_ARN")


publisher_settings = cached_settings(PublisherSettings)
mail_settings = cached_settings(MailSettings)
live_status_settings = cached_settings(LiveStatusSettings)
alert_settings = cached_settings(AlertSettings)
