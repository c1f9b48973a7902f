"""Commerce's business metrics beyond plain counts (shop.common.observability says when they are counted)."""

from aws_lambda_powertools.metrics import MetricUnit

from shop.commerce.models import Order
from shop.common.observability import metrics, publish_metric


def order_placed(order: Order) -> None:
    """A new order committed: called from inside checkout's idempotent part, which a replay never runs."""
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="OrderItems", unit=MetricUnit.Count, value=sum(line.quantity for line in order.items))
    # Minor units of the order's own currency: amounts in different currencies must never be summed.
    publish_metric("OrderValue", MetricUnit.NoUnit, order.total_cents, {"currency": order.currency})
