"""The publisher: which event each stream record is, and its batch put to the bus in calls of 10."""

import json

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response

from shop.events.models import (
    OrderCancelled,
    OrderPlaced,
    OrderStatusChanged,
    ProductOutOfStock,
    ProductStockLow,
)
from shop.events.publishing import PublishProcessor, event_of_record
from tests.doubles.events import RecordingBus
from tests.unit.events.records import batch, order, product, record

handler = event_of_record(threshold=5)


def publish(events: dict, bus: RecordingBus) -> tuple[dict, PublishProcessor]:
    processor = PublishProcessor(bus, attempts=3)
    return process_partial_response(event=events, record_handler=handler, processor=processor), processor


def test_given_order_writes_when_published_then_one_event_of_the_right_type_each():
    bus = RecordingBus()
    response, _ = publish(
        batch(
            record(1, "INSERT", order("PLACED")),
            record(2, "MODIFY", order("SHIPPED"), order("PLACED")),
            record(3, "MODIFY", order("DELIVERED"), order("SHIPPED")),
            record(4, "MODIFY", order("CANCELLED", order_id="7d1c2b3a-4e5f-4a6b-8c7d-99aabbccddee"), order("PLACED")),
        ),
        bus,
    )
    assert response == {"batchItemFailures": []}
    assert [type(event) for event in bus.accepted] == [
        OrderPlaced,
        OrderStatusChanged,
        OrderStatusChanged,
        OrderCancelled,
    ]
    assert [event.order_version for event in bus.accepted] == [1, 2, 3, 2]  # type: ignore[attr-defined]
    assert bus.accepted[1].previous_status == "PLACED"  # type: ignore[attr-defined]


def test_given_order_event_then_it_carries_no_address():
    bus = RecordingBus()
    publish(batch(record(1, "INSERT", order("PLACED"))), bus)
    detail = json.loads(bus.accepted[0].model_dump_json())
    assert "shipping_address" not in detail and "London" not in json.dumps(detail)
    assert detail["user_id"] == "ada" and detail["total_cents"] == 5998 and detail["version"] == 1


def test_given_writes_that_are_no_event_then_nothing_is_put():
    bus = RecordingBus()
    cart = {"pk": "USER#ada", "sk": "CART", "lines": {}, "revision": 2}
    response, _ = publish(
        batch(
            record(1, "MODIFY", order("PLACED", updated_at="2026-11-27T12:01:00.000000Z"), order("PLACED")),
            record(2, "MODIFY", cart, cart),
            record(3, "MODIFY", product(40, 2), product(30, 1)),  # restocked
            record(4, "MODIFY", product(20, 2), product(22, 1)),  # still far above the threshold
            record(5, "REMOVE", None, product(3, 4)),
        ),
        bus,
    )
    assert response == {"batchItemFailures": []}
    assert bus.calls == []


@pytest.mark.parametrize(
    ("previous", "stock", "expected"),
    [
        (6, 5, ProductStockLow),
        (9, 1, ProductStockLow),
        (5, 4, None),
        (3, 0, ProductOutOfStock),
        (8, 0, ProductOutOfStock),
    ],
)
def test_given_stock_falling_then_an_event_only_when_it_crosses_the_threshold_or_reaches_zero(
    previous, stock, expected
):
    bus = RecordingBus()
    publish(batch(record(1, "MODIFY", product(stock, 2), product(previous, 1))), bus)
    assert [type(event) for event in bus.accepted] == ([expected] if expected else [])


def test_given_the_same_record_redelivered_then_the_same_event_id():
    first, second = RecordingBus(), RecordingBus()
    publish(batch(record(7, "INSERT", order())), first)
    publish(batch(record(7, "INSERT", order())), second)
    assert first.accepted[0].event_id == second.accepted[0].event_id
    other = RecordingBus()
    publish(batch(record(8, "INSERT", order())), other)
    assert other.accepted[0].event_id != first.accepted[0].event_id


def test_given_100_records_then_ten_calls_of_ten():
    bus = RecordingBus()
    records = [record(n, "INSERT", order(order_id=f"{n:08x}-4e5f-4a6b-8c7d-99aabbccddee")) for n in range(1, 101)]
    response, processor = publish(batch(*records), bus)
    assert response == {"batchItemFailures": []}
    assert [len(call) for call in bus.calls] == [10] * 10 and processor.calls == 10
    assert processor.published == 100


def test_given_entries_refused_once_when_published_then_put_again_and_the_batch_succeeds():
    events = [record(n, "INSERT", order(order_id=f"{n:08x}-4e5f-4a6b-8c7d-99aabbccddee")) for n in range(1, 13)]
    probe = RecordingBus()
    publish(batch(*events), probe)
    refused = {probe.accepted[2].event_id: 1, probe.accepted[11].event_id: 2}
    bus = RecordingBus(refusals=refused)
    response, processor = publish(batch(*events), bus)
    assert response == {"batchItemFailures": []}
    assert [len(call) for call in bus.calls] == [10, 2, 2, 1] and processor.calls == 4
    assert sorted(event.event_id for event in bus.accepted) == sorted(e.event_id for e in probe.accepted)


def test_given_an_entry_refused_on_every_attempt_then_only_its_record_is_reported():
    events = [record(n, "INSERT", order(order_id=f"{n:08x}-4e5f-4a6b-8c7d-99aabbccddee")) for n in range(1, 4)]
    probe = RecordingBus()
    publish(batch(*events), probe)
    bus = RecordingBus(refusals={probe.accepted[1].event_id: 99})
    response, processor = publish(batch(*events), bus)
    assert response == {"batchItemFailures": [{"itemIdentifier": f"{2:021d}"}]}
    assert len(bus.calls) == 3 and processor.published == 2


def test_given_a_poison_record_then_it_is_reported_and_its_batch_mates_are_published():
    broken = order("PLACED")
    del broken["items"]
    bus = RecordingBus()
    response, processor = publish(
        batch(
            record(1, "INSERT", order()), record(2, "INSERT", broken), record(3, "MODIFY", order("SHIPPED"), order())
        ),
        bus,
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": f"{2:021d}"}]}
    assert [type(event) for event in bus.accepted] == [OrderPlaced, OrderStatusChanged]
    assert processor.poison == 1
