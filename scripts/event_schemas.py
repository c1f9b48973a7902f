"""The domain events' JSON Schemas (events/schemas/<DetailType>.json) and the AsyncAPI 3 document (asyncapi.json),
generated from the pydantic models in shop.events.models. `python -m scripts.event_schemas` writes them; a test
fails when the committed files differ from what this generates."""

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared"))  # the shared layer, as Lambda puts it on the path

from shop.events.models import EVENT_TYPES, LiveStatus  # noqa: E402

SCHEMAS = ROOT / "events" / "schemas"
ASYNCAPI = ROOT / "asyncapi.json"


def detail_schema(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{model.detail_type}.json", **schema}


def schemas() -> dict[str, dict[str, Any]]:
    return {model.detail_type: detail_schema(model) for model in EVENT_TYPES}


def asyncapi() -> dict[str, Any]:
    messages = {
        model.detail_type: {
            "name": model.detail_type,
            "title": model.detail_type,
            "summary": (model.__doc__ or "").strip(),
            "headers": {
                "type": "object",
                "properties": {"source": {"const": model.source}, "detail-type": {"const": model.detail_type}},
            },
            "payload": {"$ref": f"#/components/schemas/{model.detail_type}"},
        }
        for model in EVENT_TYPES
    }
    components: dict[str, Any] = {}
    for model in [*EVENT_TYPES, LiveStatus]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[getattr(model, "detail_type", model.__name__)] = schema
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Shop domain events",
            "version": "1.0.0",
            "description": "The `detail` of the events on the shop's EventBridge bus, and what the live-status "
            "WebSocket sends. Generated from shop.events.models by `python -m scripts.event_schemas`.",
        },
        "servers": {
            "bus": {"host": "events.amazonaws.com", "protocol": "eventbridge", "description": "shop-<stage> bus"},
            "live": {
                "host": "<api-id>.execute-api.<region>.amazonaws.com",
                "pathname": "/live",
                "protocol": "wss",
                "description": "Connect with ?token=<the REST API's JWT>",
            },
        },
        "channels": {
            "orders": {
                "address": "shop.commerce",
                "servers": [{"$ref": "#/servers/bus"}],
                "messages": {
                    name: {"$ref": f"#/components/messages/{name}"} for name in messages if name.startswith("Order")
                },
            },
            "stock": {
                "address": "shop.catalog",
                "servers": [{"$ref": "#/servers/bus"}],
                "messages": {
                    name: {"$ref": f"#/components/messages/{name}"} for name in messages if name.startswith("Product")
                },
            },
            "liveStatus": {
                "address": "/live",
                "servers": [{"$ref": "#/servers/live"}],
                "messages": {"LiveStatus": {"$ref": "#/components/messages/LiveStatus"}},
            },
        },
        "operations": {
            "publishOrderEvents": {"action": "send", "channel": {"$ref": "#/channels/orders"}},
            "publishStockEvents": {"action": "send", "channel": {"$ref": "#/channels/stock"}},
            "receiveLiveStatus": {"action": "receive", "channel": {"$ref": "#/channels/liveStatus"}},
        },
        "components": {
            "schemas": components,
            "messages": {
                **messages,
                "LiveStatus": {"name": "LiveStatus", "payload": {"$ref": "#/components/schemas/LiveStatus"}},
            },
        },
    }


def rendered() -> dict[Path, str]:
    files = {SCHEMAS / f"{name}.json": json.dumps(schema, indent=2) + "\n" for name, schema in schemas().items()}
    files[ASYNCAPI] = json.dumps(asyncapi(), indent=2) + "\n"
    return files


def main() -> None:
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    for path, text in rendered().items():
        path.write_text(text)


if __name__ == "__main__":
    main()
