"""The events context's adapters composed once per container: what the handlers hand to the services.

Each is created on first use and imports its adapter only then; each validates its settings, so that a function
composing one at cold start fails there when configuration is missing.
"""

from functools import cache
from typing import TYPE_CHECKING

from shop.events.service import MailTemplates
from shop.events.settings import alert_settings, live_status_settings, mail_settings, publisher_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from shop.events.adapters.connections import ConnectionsTable
    from shop.events.adapters.eventbridge import EventBridgeBus
    from shop.events.adapters.ses import SesMailer
    from shop.events.adapters.sns import SnsAlerts
    from shop.events.adapters.websocket import ConnectionsApi
    from shop.events.ports import UserDirectory


@cache
def event_bus() -> "EventBridgeBus":
    from shop.events.adapters.eventbridge import EventBridgeBus

    return EventBridgeBus(publisher_settings().event_bus_name)


@cache
def mailer() -> "SesMailer":
    from shop.events.adapters.ses import SesMailer

    return SesMailer(mail_settings().mail_from)


def mail_templates() -> MailTemplates:
    settings = mail_settings()
    return MailTemplates(
        placed=settings.order_placed_template,
        status_changed=settings.order_status_template,
        cancelled=settings.order_cancelled_template,
    )


@cache
def user_directory() -> "UserDirectory":
    settings = mail_settings()
    if settings.local_user_email_domain:
        from shop.events.adapters.users import LocalDirectory

        return LocalDirectory(settings.local_user_email_domain)
    from shop.events.adapters.users import CognitoDirectory

    return CognitoDirectory(settings.user_pool_id)


@cache
def connections() -> "ConnectionsTable":
    from shop.events.adapters.connections import ConnectionsTable

    settings = live_status_settings()
    return ConnectionsTable(settings.connections_table_name, settings.connection_ttl_seconds)


@cache
def pusher() -> "ConnectionsApi":
    from shop.events.adapters.websocket import ConnectionsApi

    return ConnectionsApi(live_status_settings().websocket_management_endpoint)


@cache
def alerts() -> "SnsAlerts":
    from shop.events.adapters.sns import SnsAlerts

    return SnsAlerts(alert_settings().alerts_topic_arn)


def consumer_records() -> "BasePersistenceLayer":
    """The idempotency records of the e-mail and alert consumers, in the idempotency table under their own keys
    (Powertools prefixes each key with the function's name); checkout keeps none there (the order is its own
    record)."""
    from shop.events.adapters.idempotency import idempotency_store

    return idempotency_store()
