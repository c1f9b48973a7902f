"""OrderPlaced, OrderStatusChanged, OrderCancelled -> an e-mail to the order's owner through SES v2 templates.

At most one e-mail per event: Powertools' idempotency records, keyed on the event's id, answer a redelivered
event (EventBridge's or the stream's) without sending again. An error (SES or the user pool unreachable) fails
the invocation: Lambda retries it asynchronously, then sends it to the function's failure queue.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.events.errors import RecipientUnknown
from shop.events.models import OrderDetail
from shop.events.service import detail_of, send_order_mail
from shop.events.settings import mail_settings
from shop.events.wiring import consumer_records, mail_templates, mailer, user_directory

mail_settings()  # fails the cold start when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
# A week: longer than EventBridge's 24 hours of retries and a replay of the day before.
config = IdempotencyConfig(event_key_jmespath="detail.event_id", expires_after_seconds=7 * 24 * 3600)


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@idempotent(config=config, persistence_store=consumer_records())
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = detail_of(event)
    if not isinstance(detail, OrderDetail):
        logger.warning("not an order event", extra={"detail_type": detail.detail_type})
        return {"sent": False, "reason": "not an order event"}
    try:
        message_id = send_order_mail(detail, user_directory(), mailer(), mail_templates())
    except RecipientUnknown as error:
        # No address will appear by retrying: recorded as done, counted, and logged without the user id.
        logger.warning("order e-mail not sent", extra={"order_id": detail.order_id, "reason": str(error)})
        count("OrderMailsUndeliverable")
        return {"sent": False, "reason": "no address"}
    count("OrderMailsSent", status=detail.status)
    logger.info("order e-mail sent", extra={"order_id": detail.order_id, "message_id": message_id})
    return {"sent": True, "message_id": message_id}
