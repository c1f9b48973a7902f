"""The committed JSON Schemas and AsyncAPI document are the models', and every event the publisher emits is valid
against its schema."""

import json

import jsonschema
from aws_lambda_powertools.utilities.batch import process_partial_response

from scripts.event_schemas import rendered
from shop.events.publishing import PublishProcessor, event_of_record
from tests.doubles.events import RecordingBus
from tests.unit.events.records import batch, order, product, record


def test_given_the_models_then_the_committed_schemas_and_asyncapi_are_current():
    for path, text in rendered().items():
        assert path.exists() and path.read_text() == text, f"{path.name} is stale: run python -m scripts.event_schemas"


def test_given_the_asyncapi_document_then_it_is_version_3_and_names_every_event():
    document = json.loads((rendered_path := next(p for p in rendered() if p.name == "asyncapi.json")).read_text())
    assert rendered_path.exists() and document["asyncapi"].startswith("3.")
    assert {"OrderPlaced", "OrderCancelled", "OrderStatusChanged", "ProductStockLow", "ProductOutOfStock"} <= set(
        document["components"]["messages"]
    )


def test_given_every_kind_of_write_when_published_then_each_event_is_valid_against_its_schema():
    bus = RecordingBus()
    process_partial_response(
        event=batch(
            record(1, "INSERT", order()),
            record(2, "MODIFY", order("SHIPPED"), order()),
            record(3, "MODIFY", order("DELIVERED"), order("SHIPPED")),
            record(4, "MODIFY", order("CANCELLED"), order()),
            record(5, "MODIFY", product(5, 2), product(6, 1)),
            record(6, "MODIFY", product(0, 3), product(5, 2)),
        ),
        record_handler=event_of_record(5),
        processor=PublishProcessor(bus),
    )
    assert len(bus.accepted) == 6
    schemas = {path.stem: json.loads(path.read_text()) for path in rendered() if path.parent.name == "schemas"}
    for event in bus.accepted:
        jsonschema.validate(json.loads(event.model_dump_json()), schemas[event.detail_type])
    broken = {**json.loads(bus.accepted[0].model_dump_json()), "status": "LOST"}
    try:
        jsonschema.validate(broken, schemas["OrderPlaced"])
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a status the event cannot have")
