"""OrderPlaced, OrderStatusChanged, OrderCancelled -> {order_id, status, updated_at} to every open WebSocket
connection of the order's owner.

Once per order version: the connections table keeps how far each order's views have got, so a redelivered event
and one that arrives after a later one (DELIVERED before SHIPPED) send nothing. Connections that are gone (410)
are deleted on the first failed push.
"""

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.events.models import OrderDetail
from shop.events.service import detail_of, push_live_status
from shop.events.settings import live_status_settings
from shop.events.wiring import connections, pusher

live_status_settings()  # fails the cold start when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = detail_of(event)
    if not isinstance(detail, OrderDetail):
        logger.warning("not an order event", extra={"detail_type": detail.detail_type})
        return {"pushed": 0}
    report = push_live_status(detail, connections(), pusher())
    count("LiveStatusPushes", report.pushed)
    count("LiveConnectionsGone", len(report.gone))
    if report.skipped:
        count("LiveStatusSkipped")
    logger.info(
        "live status pushed",
        extra={
            "order_id": detail.order_id,
            "pushed": report.pushed,
            "gone": len(report.gone),
            "skipped": report.skipped,
        },
    )
    return {"pushed": report.pushed, "gone": len(report.gone), "skipped": report.skipped}
