"""The event functions' settings: a missing or malformed variable fails the cold start, naming it."""

import pytest
from pydantic import ValidationError

from shop.events.settings import AlertSettings, LiveStatusSettings, MailSettings, PublisherSettings

MAIL = {
    "MAIL_FROM": "orders@example.com",
    "ORDER_PLACED_TEMPLATE": "placed",
    "ORDER_STATUS_TEMPLATE": "status",
    "ORDER_CANCELLED_TEMPLATE": "cancelled",
}


def test_given_no_user_directory_then_mail_settings_say_which_variables_to_set(monkeypatch):
    for name, value in MAIL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("USER_POOL_ID", raising=False)
    monkeypatch.delenv("LOCAL_USER_EMAIL_DOMAIN", raising=False)
    with pytest.raises(ValidationError, match="USER_POOL_ID"):
        MailSettings()
    monkeypatch.setenv("USER_POOL_ID", "us-east-1_abc")
    assert MailSettings().user_pool_id == "us-east-1_abc"


@pytest.mark.parametrize(
    ("model", "name", "value"),
    [
        (PublisherSettings, "STOCK_LOW_THRESHOLD", "0"),
        (AlertSettings, "ALERTS_TOPIC_ARN", "stock-alerts"),
        (LiveStatusSettings, "WEBSOCKET_MANAGEMENT_ENDPOINT", "wss://abc.execute-api.us-east-1.amazonaws.com"),
        (MailSettings, "MAIL_FROM", "orders"),
    ],
)
def test_given_a_malformed_variable_then_the_error_names_it(monkeypatch, model, name, value):
    for key, setting in {**MAIL, "USER_POOL_ID": "p", "EVENT_BUS_NAME": "b", "CONNECTIONS_TABLE_NAME": "t"}.items():
        monkeypatch.setenv(key, setting)
    monkeypatch.setenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts")
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_ENDPOINT", "https://abc.execute-api.us-east-1.amazonaws.com/live")
    model()  # valid as set
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        model()
