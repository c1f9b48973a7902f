"""ProductStockLow, ProductOutOfStock -> an alert on the admins' encrypted SNS topic (e-mail subscription).

One alert per event: Powertools' idempotency records, keyed on the event's id, answer a redelivery.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.events.models import ProductOutOfStock, ProductStockLow
from shop.events.service import detail_of, send_stock_alert
from shop.events.settings import alert_settings
from shop.events.wiring import alerts, consumer_records

alert_settings()  # fails the cold start when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
config = IdempotencyConfig(event_key_jmespath="detail.event_id", expires_after_seconds=7 * 24 * 3600)


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@idempotent(config=config, persistence_store=consumer_records())
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = detail_of(event)
    if not isinstance(detail, ProductStockLow | ProductOutOfStock):
        logger.warning("not a stock event", extra={"detail_type": detail.detail_type})
        return {"alerted": False}
    send_stock_alert(detail, alerts())
    count("StockAlerts", alert=detail.detail_type)
    logger.info("stock alert sent", extra={"product_id": detail.product_id, "stock": detail.stock})
    return {"alerted": True}
