"""The local EventBridge (devstack.eventbus): its pattern matching against EventBridge's documented examples, and
PutEvents, routing, retries and dead letters through boto3 against a served bus, with moto's SQS behind it.

The rules are fixtures/events.yaml's; functions are fakes recording what they are sent (and once the fixture
template's real EchoFunction, through the Lambda endpoint of devstack.apigw).
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from devstack.eventbus import (
    AsyncInvokeConfig,
    EventBus,
    async_invoke_configs,
    bus_names,
    event_rules,
    local_environment,
    matches,
    start_event_bus,
)
from devstack.streams import Invocation, LambdaEndpoint
from devstack.template import create_queue_requests, load_template
from tests.devstack.moto_server import moto_server

REGION = "us-east-1"
FIXTURE = load_template(Path(__file__).resolve().parent / "fixtures" / "events.yaml")
UNHANDLED = Invocation(payload={"errorMessage": "poison", "errorType": "ValueError"}, function_error="Unhandled")

# The example event of "Creating Amazon EventBridge event patterns" (eb-event-patterns), and others the pages use.
EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}
NULL_EVENT = {  # "Matching events on null values and empty strings" (eb-event-patterns-null-values)
    "version": "0",
    "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
    "detail-type": "EC2 Instance Launch Successful",
    "source": "aws.autoscaling",
    "account": "123456789012",
    "time": "2015-11-11T21:31:47Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"eventVersion": "", "responseElements": None},
}


def detail(**fields: Any) -> dict[str, Any]:
    return {**EC2_EVENT, "detail": fields}


DOCUMENTED = [
    # eb-event-patterns: the instance-termination pattern, and one it does not match.
    (
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["terminated"]},
        },
        EC2_EVENT,
        True,
    ),
    ({"source": ["aws.ec2"], "detail": {"state": ["running"]}}, EC2_EVENT, False),
    # eb-event-patterns-null-values: empty string and null are different values.
    ({"detail": {"eventVersion": [""]}}, NULL_EVENT, True),
    ({"detail": {"responseElements": [None]}}, NULL_EVENT, True),
    ({"detail": {"eventVersion": [None]}}, NULL_EVENT, False),
    ({"detail": {"responseElements": [""]}}, NULL_EVENT, False),
    # arrays-in-eventbridge-event-patterns: an array in the event matches when the intersection is not empty.
    (
        {
            "resources": [
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
            ]
        },
        {
            **EC2_EVENT,
            "resources": [
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            ],
        },
        True,
    ),
    # eb-event-patterns-content-based-filtering / eb-create-pattern-operators, operator by operator.
    ({"time": [{"prefix": "2017-12-22"}]}, EC2_EVENT, True),
    ({"time": [{"prefix": "2017-10-02"}]}, EC2_EVENT, False),
    ({"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}, detail(service="eventbridge"), True),
    ({"detail": {"FileName": [{"suffix": ".png"}]}}, detail(FileName="cat.png"), True),
    ({"detail": {"FileName": [{"suffix": ".png"}]}}, detail(FileName="cat.PNG"), False),
    ({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, detail(FileName="cat.PNG"), True),
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, detail(state="running"), True),
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, detail(state="initializing"), False),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, detail(**{"x-limit": 123}), False),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, detail(**{"x-limit": 124}), True),
    ({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, detail(state="overloaded"), False),
    ({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, detail(**{"x-limit": 200}), False),
    ({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, detail(state="initializing"), False),
    ({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, detail(state="running"), True),
    ({"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}, detail(FileName="a.txt"), True),
    (
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}},
        detail(state="INITIALIZING"),
        False,
    ),
    ({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, detail(FilePath="/usr/lib/x"), False),
    ({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, detail(FilePath="/usr/bin/x"), True),
    ({"detail": {"state": [{"anything-but": "initializing"}]}}, detail(), False),  # absent is not "anything"
    ({"detail": {"Name": [{"equals-ignore-case": "alice"}]}}, detail(Name="ALICE"), True),
    (
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        detail(**{"c-count": 5, "d-count": 7, "x-limit": 301.8}),
        True,
    ),
    ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, detail(**{"c-count": 6}), False),
    ({"detail": {"c-count": [{"numeric": [">", 0]}]}}, detail(**{"c-count": "6"}), False),  # numbers only
    ({"detail": {"state": [{"exists": True}]}}, EC2_EVENT, True),
    ({"detail": {"state": [{"exists": False}]}}, EC2_EVENT, False),
    ({"detail": {"ProductName": [{"exists": False}]}}, EC2_EVENT, True),
    # Exists looks at leaves only: an object is not one.
    ({"detail": {"c-count": [{"exists": True}]}}, detail(**{"c-count": {"c1": 100}}), False),
    (
        {"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
        detail(EventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/shop"),
        True,
    ),
    ({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, detail(FileName="dir/cat.png"), True),
    ({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, detail(FileName="other/cat.png"), False),
    ({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, detail(sourceIPAddress="10.0.0.255"), True),
    ({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, detail(sourceIPAddress="10.0.1.1"), False),
    ({"detail": {"PaymentType": ["Credit", "Debit"]}}, detail(PaymentType="Debit"), True),
    ({"detail": {"Price": [100]}}, detail(Price="100"), False),  # a string is not the number
    (
        {"detail": {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}},
        detail(Location="Boston", Day="Monday"),
        True,
    ),
    (
        {"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}},
        detail(**{"c-count": 50, "d-count": 50}),
        False,
    ),
]


# Arrays of objects: EventBridge's matcher (event-ruler, its README's "array consistency") matches fields inside
# them, and only fields of one and the same element.
LINES = [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 5}]
ARRAYS_OF_OBJECTS = [
    ({"detail": {"lines": {"sku": ["B"]}}}, detail(lines=LINES), True),
    ({"detail": {"lines": {"sku": ["C"]}}}, detail(lines=LINES), False),
    ({"detail": {"lines": {"sku": ["B"], "quantity": [{"numeric": [">", 2]}]}}}, detail(lines=LINES), True),
    ({"detail": {"lines": {"sku": ["A"], "quantity": [{"numeric": [">", 2]}]}}}, detail(lines=LINES), False),
    ({"detail": {"lines": {"sku": ["A"]}, "state": ["open"]}}, detail(lines=LINES, state="open"), True),
    ({"detail": {"tags": ["x"]}}, detail(tags=["x", "y"], lines=LINES), True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), DOCUMENTED + ARRAYS_OF_OBJECTS)
def test_given_documented_pattern_when_matched_then_as_eventbridge_documents(pattern, event, expected):
    assert matches(pattern, event) is expected


def test_given_event_with_too_many_array_combinations_when_matched_then_scalar_fields_still_match():
    many = [{"n": n} for n in range(40)]  # two arrays of 40 objects: 1600 combinations, past the bound

    assert matches({"detail": {"state": ["open"]}}, detail(a=many, b=many, state="open"))
    assert not matches({"detail": {"state": ["shut"]}}, detail(a=many, b=many, state="open"))


def test_given_template_when_read_then_both_rule_forms_their_buses_and_settings_are_followed():
    rules, made_queues = event_rules(FIXTURE)
    by_name = {rule.name: rule for rule in rules}

    assert set(by_name) == {"EchoFunctionOrders", "StockRule", "DefaultBusRule"}  # the disabled one is left out
    assert bus_names(FIXTURE) == {"ShopEventBus": "ShopEventBus"}  # the name is a !Sub: the logical id stands in
    orders = by_name["EchoFunctionOrders"]
    [target] = orders.targets
    assert (orders.bus, target.function_name, target.dead_letter_queue) == (
        "ShopEventBus",
        "EchoFunction",
        "RuleDeadLetterQueue",
    )
    assert (target.retry_policy.maximum_retry_attempts, target.retry_policy.maximum_event_age_seconds) == (2, 60)
    stock = by_name["StockRule"]
    # The SNS target is skipped (not run locally); the function's alias names the function.
    assert [(t.target_id, t.function_name, t.queue) for t in stock.targets] == [
        ("Alert", "AlertFunction", None),
        ("Queue", None, "StockQueue"),
    ]
    assert by_name["DefaultBusRule"].bus == "default"
    assert made_queues == {}
    configs = async_invoke_configs(FIXTURE)
    assert configs["EchoFunction"] == AsyncInvokeConfig(1, 6 * 3600, "AsyncFailureQueue", None)
    assert configs["AlertFunction"].maximum_retry_attempts == 0  # from Globals


def test_given_sam_rule_with_made_dead_letter_queue_when_read_then_the_queue_is_named_as_declared():
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        "Ev": {
                            "Type": "EventBridgeRule",
                            "Properties": {"Pattern": {"source": ["x"]}, "DeadLetterConfig": {"Type": "SQS"}},
                        }
                    }
                },
            }
        }
    }

    rules, made_queues = event_rules(template)

    assert made_queues == {"FnEvQueue": "FnEvQueue"}
    assert rules[0].targets[0].dead_letter_queue == "FnEvQueue"


def test_given_invalid_pattern_in_template_when_read_then_start_fails_naming_the_rule():
    template = {
        "Resources": {
            "Bad": {
                "Type": "AWS::Events::Rule",
                "Properties": {"EventPattern": {"source": "not-a-list"}, "Targets": []},
            }
        }
    }

    with pytest.raises(SystemExit, match="Bad: invalid event pattern"):
        event_rules(template)


# Served, with moto's SQS and fake functions


@pytest.fixture(scope="module")
def sqs_endpoint() -> Iterator[str]:
    with moto_server() as address:
        yield address


@pytest.fixture
def queues(sqs_endpoint) -> Iterator[dict[str, str]]:
    """The fixture's queues, fresh for each test: their URLs by logical id."""
    sqs = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name=REGION)
    urls = {
        logical_id: sqs.create_queue(**request)["QueueUrl"]
        for logical_id, request in create_queue_requests(FIXTURE).items()
    }
    yield urls
    for url in urls.values():
        sqs.delete_queue(QueueUrl=url)


@dataclass
class FakeFunctions:
    """Records each invocation by function; `respond` decides what it returns (or raises)."""

    respond: Callable[[str, Any], Invocation] = lambda name, event: Invocation(payload=None)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, function_name: str, event: Any) -> Invocation:
        json.dumps(event)
        with self.lock:
            self.calls.append((function_name, event))
        return self.respond(function_name, event)

    def events_of(self, function_name: str) -> list[Any]:
        with self.lock:
            return [event for name, event in self.calls if name == function_name]


@dataclass
class Served:
    bus: EventBus
    client: Any
    sqs: Any
    queues: dict[str, str]
    functions: FakeFunctions

    def put(self, *entries: dict[str, Any]) -> dict[str, Any]:
        return self.client.put_events(Entries=list(entries))

    def settle(self) -> None:
        assert self.bus.wait_until_idle(10), "deliveries still running"

    def messages(self, queue: str) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queues[queue], MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        )
        return response.get("Messages", [])


@pytest.fixture
def served(sqs_endpoint, queues) -> Iterator[Served]:
    functions = FakeFunctions()
    bus = start_event_bus(FIXTURE, functions, sqs_endpoint_url=sqs_endpoint)
    bus.first_retry_delay = bus.max_retry_delay = 0.01
    client = boto3.client(
        "events", endpoint_url=bus.url, region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    sqs = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name=REGION)
    yield Served(bus, client, sqs, queues, functions)
    bus.stop()


def order(detail_type: str = "OrderPlaced", **fields: Any) -> dict[str, Any]:
    return {
        "EventBusName": "ShopEventBus",
        "Source": "shop.orders",
        "DetailType": detail_type,
        "Detail": json.dumps({"order_id": "o-1", **fields}),
    }


def test_given_matching_event_when_put_then_function_gets_eventbridge_envelope_once(served):
    response = served.put({**order(total=12), "Resources": ["arn:aws:shop:order/o-1"]})
    served.settle()

    assert response["FailedEntryCount"] == 0
    [result] = response["Entries"]
    [event] = served.functions.events_of("EchoFunction")
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["id"] == result["EventId"]
    assert (event["version"], event["source"], event["detail-type"]) == ("0", "shop.orders", "OrderPlaced")
    assert event["detail"] == {"order_id": "o-1", "total": 12}
    assert event["resources"] == ["arn:aws:shop:order/o-1"]
    assert (event["account"], event["region"]) == ("123456789012", REGION)
    assert abs(datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - datetime.now(UTC)) < (
        timedelta(seconds=5)
    )
    assert served.functions.events_of("AlertFunction") == []


def test_given_bus_arn_and_explicit_time_when_put_then_routed_by_arn_and_time_kept(served):
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/ShopEventBus"
    served.put({**order(), "EventBusName": arn, "Time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)})
    served.settle()

    [event] = served.functions.events_of("EchoFunction")
    assert event["time"] == "2026-01-02T03:04:05Z"


def test_given_event_matching_no_rule_when_put_then_accepted_and_delivered_nowhere(served):
    response = served.put(order("OrderShipped"), {**order(), "Source": "someone.else"})
    served.settle()

    assert response["FailedEntryCount"] == 0
    assert served.functions.calls == []


def test_given_eleven_entries_when_put_then_whole_call_is_rejected_as_eventbridge_does(served):
    with pytest.raises(ClientError) as raised:
        served.put(*[order() for _ in range(11)])

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 10" in raised.value.response["Error"]["Message"]
    served.settle()
    assert served.functions.calls == []


def test_given_ten_entries_when_put_then_all_accepted_and_delivered(served):
    response = served.put(*[order(n=n) for n in range(10)])
    served.settle()

    assert response["FailedEntryCount"] == 0
    assert sorted(event["detail"]["n"] for event in served.functions.events_of("EchoFunction")) == list(range(10))


def test_given_bad_entries_among_good_ones_when_put_then_each_fails_alone_with_its_error_code(served):
    response = served.put(
        order(n=1),
        {**order(), "Detail": "{not json"},
        {**order(), "Detail": "[1, 2]"},
        {key: value for key, value in order().items() if key != "Source"},
        {**order(), "EventBusName": "no-such-bus"},
        order(n=2),
    )
    served.settle()

    assert response["FailedEntryCount"] == 4
    codes = [entry.get("ErrorCode") for entry in response["Entries"]]
    assert codes == [None, "MalformedDetail", "MalformedDetail", "InvalidArgument", "ResourceNotFoundException", None]
    assert all(entry.get("ErrorMessage") for entry in response["Entries"] if "ErrorCode" in entry)
    assert all("EventId" in entry for entry in (response["Entries"][0], response["Entries"][5]))
    assert sorted(event["detail"]["n"] for event in served.functions.events_of("EchoFunction")) == [1, 2]


def test_given_unknown_operation_when_called_then_client_error_not_a_crash(served):
    with pytest.raises(ClientError) as raised:
        served.client.list_rules()

    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"


def test_given_rule_with_function_and_queue_targets_when_matched_then_both_get_it_queue_with_input_path(served):
    stock = {"EventBusName": "ShopEventBus", "Source": "shop.catalog", "DetailType": "ProductStockLow"}
    served.put({**stock, "Detail": json.dumps({"product_id": "p-1", "stock": 3})})
    served.put({**stock, "Detail": json.dumps({"product_id": "p-2", "stock": 30})})  # above the threshold
    served.settle()

    [alert] = served.functions.events_of("AlertFunction")
    assert alert["detail"] == {"product_id": "p-1", "stock": 3}
    [message] = served.messages("StockQueue")
    assert json.loads(message["Body"]) == {"product_id": "p-1", "stock": 3}  # InputPath: $.detail


def test_given_default_bus_rule_with_constant_input_when_matched_then_function_gets_the_input(served):
    served.put({"Source": "shop.default", "DetailType": "Anything", "Detail": "{}"})
    served.settle()

    assert served.functions.events_of("EchoFunction") == [{"constant": True}]


def test_given_function_unreachable_twice_when_put_then_eventbridge_retries_and_delivers_once(served):
    attempts = []

    def flaky(name: str, event: Any) -> Invocation:
        attempts.append(name)
        if len(attempts) <= 2:
            raise ConnectionError("endpoint down")
        return Invocation(payload=None)

    served.functions.respond = flaky
    served.put(order())
    served.settle()

    assert len(attempts) == 3
    assert served.messages("RuleDeadLetterQueue") == []


def test_given_function_unreachable_beyond_retry_policy_when_put_then_event_in_rule_dead_letter_queue(served):
    def down(name: str, event: Any) -> Invocation:
        raise ConnectionError("endpoint down")

    served.functions.respond = down
    response = served.put(order())
    served.settle()

    assert len(served.functions.calls) == 3  # the first attempt and MaximumRetryAttempts: 2
    [message] = served.messages("RuleDeadLetterQueue")
    event = json.loads(message["Body"])
    assert event["id"] == response["Entries"][0]["EventId"]
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == "arn:aws:events:us-east-1:123456789012:rule/EchoFunctionOrders"
    assert attributes["TARGET_ARN"] == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert "endpoint down" in attributes["ERROR_MESSAGE"]


def test_given_target_without_retries_when_unreachable_then_tried_once_and_dropped(served):
    def alert_down(name: str, event: Any) -> Invocation:
        if name == "AlertFunction":
            raise ConnectionError("endpoint down")
        return Invocation(payload=None)

    served.functions.respond = alert_down
    served.put({"EventBusName": "ShopEventBus", "Source": "shop.catalog", "DetailType": "ProductStockOut",
                "Detail": json.dumps({"stock": 0})})  # fmt: skip
    served.settle()

    assert len(served.functions.events_of("AlertFunction")) == 1  # RetryPolicy MaximumRetryAttempts: 0
    assert len(served.messages("StockQueue")) == 1  # the rule's other target is not held up


def test_given_event_older_than_maximum_age_when_retrying_then_dead_lettered_for_its_age(served):
    now = [1000.0]
    served.bus.clock = lambda: now[0]

    def down_and_slow(name: str, event: Any) -> Invocation:
        now[0] += 45  # each failed attempt takes 45 s: the second retry would be past MaximumEventAgeInSeconds 60
        raise ConnectionError("endpoint down")

    served.functions.respond = down_and_slow
    served.put(order())
    served.settle()

    assert len(served.functions.calls) == 2
    [message] = served.messages("RuleDeadLetterQueue")
    assert message["MessageAttributes"]["EXHAUSTED_RETRY_CONDITION"]["StringValue"] == "MaximumEventAgeInSeconds"


def test_given_function_error_when_delivered_then_lambda_retries_and_sends_invocation_record_to_on_failure(served):
    served.functions.respond = lambda name, event: UNHANDLED
    served.put(order())
    served.settle()

    # Lambda's async retries (EventInvokeConfig MaximumRetryAttempts: 1), not the rule's RetryPolicy.
    assert len(served.functions.events_of("EchoFunction")) == 2
    assert served.messages("RuleDeadLetterQueue") == []
    [message] = served.messages("AsyncFailureQueue")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"]["detail"] == {"order_id": "o-1"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "poison"


def test_given_function_fails_once_when_delivered_then_lambda_retry_succeeds_and_nothing_is_dead_lettered(served):
    results = iter([UNHANDLED, Invocation(payload=None)])
    served.functions.respond = lambda name, event: next(results)
    served.put(order())
    served.settle()

    assert len(served.functions.events_of("EchoFunction")) == 2
    assert served.messages("AsyncFailureQueue") == []


def test_given_archived_events_when_replayed_with_start_replay_then_redelivered_with_replay_name(served):
    before = datetime.now(UTC) - timedelta(seconds=1)
    served.put(order(n=1), order(n=2))
    served.settle()
    after = datetime.now(UTC) + timedelta(seconds=1)

    response = served.client.start_replay(
        ReplayName="after-fix",
        EventSourceArn="arn:aws:events:us-east-1:123456789012:event-bus/ShopEventBus",
        EventStartTime=before,
        EventEndTime=after,
        Destination={"Arn": "arn:aws:events:us-east-1:123456789012:event-bus/ShopEventBus"},
    )
    served.settle()

    assert response["State"] == "COMPLETED"
    events = served.functions.events_of("EchoFunction")
    assert len(events) == 4
    replayed = [event for event in events if event.get("replay-name") == "after-fix"]
    assert sorted(event["detail"]["n"] for event in replayed) == [1, 2]
    assert {event["id"] for event in replayed} == {event["id"] for event in events if "replay-name" not in event}


def test_given_replay_of_unknown_bus_when_started_then_validation_error(served):
    with pytest.raises(ClientError) as raised:
        served.client.start_replay(
            ReplayName="r",
            EventSourceArn="arn:aws:events:us-east-1:123456789012:event-bus/nope",
            EventStartTime=datetime.now(UTC) - timedelta(hours=1),
            EventEndTime=datetime.now(UTC),
            Destination={"Arn": "arn:aws:events:us-east-1:123456789012:event-bus/nope"},
        )

    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_given_stopped_bus_when_retries_pending_then_stop_returns_promptly(sqs_endpoint, queues):
    def down(name: str, event: Any) -> Invocation:
        raise ConnectionError("endpoint down")

    bus = start_event_bus(FIXTURE, down, sqs_endpoint_url=sqs_endpoint)
    bus.first_retry_delay = bus.max_retry_delay = 5  # a retry would be far off
    boto3.client("events", endpoint_url=bus.url, region_name=REGION).put_events(Entries=[order()])
    time.sleep(0.2)

    started = time.monotonic()
    bus.stop()

    assert time.monotonic() - started < 2
    assert bus.wait_until_idle(0)


def test_given_real_function_behind_lambda_endpoint_when_event_put_then_it_runs_with_the_envelope(
    gateway, sqs_endpoint, queues
):
    results: list[Invocation] = []
    endpoint = LambdaEndpoint(gateway.lambda_url, REGION)

    def invoke(name: str, event: Any) -> Invocation:
        results.append(endpoint(name, event))
        return results[-1]

    bus = start_event_bus(FIXTURE, invoke, sqs_endpoint_url=sqs_endpoint)
    try:
        boto3.client("events", endpoint_url=bus.url, region_name=REGION).put_events(Entries=[order(total=3)])
        assert bus.wait_until_idle(60)
    finally:
        bus.stop()

    [result] = results
    assert result.function_error is None
    assert result.payload["function_name"] == "EchoFunction"
    assert result.payload["echo"]["detail"] == {"order_id": "o-1", "total": 3}
    assert result.payload["echo"]["detail-type"] == "OrderPlaced"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"Input": "{not json"}, "Input must be a JSON text"),
        ({"InputPath": "$.detail[0]"}, "only \\$ and"),
        ({"InputTransformer": {"InputTemplate": "<x>"}}, "InputTransformer"),
    ],
)
def test_given_target_input_the_local_bus_cannot_follow_when_read_then_start_fails_naming_it(target, message):
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["x"]},
                    "Targets": [{"Id": "T", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}, **target}],
                },
            },
        }
    }

    with pytest.raises(SystemExit, match=f"Rule.Targets.T: .*{message}"):
        event_rules(template)


def test_given_host_and_port_when_environment_asked_then_boto3_endpoint_variable_for_events():
    assert local_environment("127.0.0.1", 3005) == {"AWS_ENDPOINT_URL_EVENTBRIDGE": "http://127.0.0.1:3005"}


def test_given_bus_gateway_and_mailbox_when_order_event_put_then_owner_gets_mail_and_push_and_no_one_else(
    sqs_endpoint, queues, monkeypatch
):
    """The three local services composed as `make dev` composes them, every call through boto3 and the
    AWS_ENDPOINT_URL_* variables the functions get; the functions are stand-ins."""
    from websockets.sync.client import connect

    from devstack import mailbox as mailbox_module
    from devstack import websocket as websocket_module

    owners: dict[str, list[str]] = {}  # user -> connection ids (the connections table's stand-in)
    ws_fixture = load_template(Path(__file__).resolve().parent / "fixtures" / "websocket.yaml")

    def functions(name: str, event: Any) -> Invocation:
        if name == "AuthorizerFunction":
            user = event["queryStringParameters"]["token"].removesuffix("-token")
            policy = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
            return Invocation(payload={"principalId": user, "policyDocument": policy})
        if name == "ConnectionsFunction":
            context = event["requestContext"]
            if context["eventType"] == "CONNECT":
                owners.setdefault(context["authorizer"]["principalId"], []).append(context["connectionId"])
            return Invocation(payload={"statusCode": 200})
        if name == "EchoFunction":  # the order consumer: mail the customer, push to the customer's connections
            detail = event["detail"]
            boto3.client("sesv2", region_name=REGION).send_email(
                FromEmailAddress="shop@example.com",
                Destination={"ToAddresses": [f"{detail['user_id']}@example.com"]},
                Content={"Simple": {"Subject": {"Data": f"Order {detail['order_id']}"},
                                    "Body": {"Text": {"Data": detail["status"]}}}},
            )  # fmt: skip
            push = boto3.client("apigatewaymanagementapi", region_name=REGION)
            for connection_id in owners.get(detail["user_id"], []):
                push.post_to_connection(ConnectionId=connection_id, Data=json.dumps(detail).encode())
            return Invocation(payload=None)
        return Invocation(payload=None)

    mailbox = mailbox_module.start_mailbox({})
    gateway = websocket_module.start_websocket_gateway(ws_fixture, functions)
    assert gateway is not None
    bus = start_event_bus(FIXTURE, functions, sqs_endpoint_url=sqs_endpoint)
    environment = {
        **local_environment("127.0.0.1", int(bus.url.rsplit(":", 1)[1])),
        **mailbox_module.local_environment("127.0.0.1", int(mailbox.url.rsplit(":", 1)[1])),
        **websocket_module.local_environment(ws_fixture, "127.0.0.1", gateway.port),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        with (
            connect(f"{gateway.url}/?token=alice-token", proxy=None) as alice,
            connect(f"{gateway.url}/?token=bob-token", proxy=None) as bob,
        ):
            detail = {"order_id": "o-9", "user_id": "alice", "status": "PLACED"}
            boto3.client("events", region_name=REGION).put_events(
                Entries=[
                    {
                        "EventBusName": "ShopEventBus",
                        "Source": "shop.orders",
                        "DetailType": "OrderPlaced",
                        "Detail": json.dumps(detail),
                    }
                ]
            )

            assert json.loads(alice.recv(timeout=10)) == detail
            with pytest.raises(TimeoutError):
                bob.recv(timeout=0.3)
        assert bus.wait_until_idle(10)
        [message] = mailbox.newest_first()
        assert (message["to"], message["subject"], message["text"]) == (["alice@example.com"], "Order o-9", "PLACED")
    finally:
        bus.stop()
        gateway.stop()
        mailbox.stop()


def test_given_entries_of_wrong_types_sent_raw_when_put_then_each_fails_with_invalid_argument(served):
    good = {"EventBusName": "ShopEventBus", "Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": "{}"}
    entries = [
        {**good, "Time": "not a time"},
        {**good, "Time": 1e20},
        {**good, "Source": 7},
        {**good, "Resources": "arn:not-a-list"},
        {**good, "Time": "2026-01-02T03:04:05Z"},
    ]

    response = requests.post(
        served.bus.url,
        data=json.dumps({"Entries": entries}),
        headers={"X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1"},
        timeout=5,
    )
    served.settle()

    assert response.status_code == 200
    assert [entry.get("ErrorCode") for entry in response.json()["Entries"]] == [
        "InvalidArgument",
        "InvalidArgument",
        "InvalidArgument",
        "InvalidArgument",
        None,
    ]
    [event] = served.functions.events_of("EchoFunction")
    assert event["time"] == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "SerializationException"),
        (b"[]", "SerializationException"),
        (b'{"Entries": []}', "ValidationException"),
    ],
)
def test_given_malformed_request_body_when_put_then_400_with_the_error_type(served, body, code):
    response = requests.post(served.bus.url, data=body, headers={"X-Amz-Target": "AWSEvents.PutEvents"}, timeout=5)

    assert response.status_code == 400
    assert response.json()["__type"] == code
