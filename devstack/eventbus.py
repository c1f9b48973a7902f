"""EventBridge for the local stack: the template's event buses, rules and targets, with PutEvents on a local port.

    boto3.client("events", endpoint_url=bus.url).put_events(Entries=[...])   # or AWS_ENDPOINT_URL_EVENTBRIDGE=bus.url

What it serves (AWS's JSON 1.1 protocol, `X-Amz-Target: AWSEvents.<Operation>`):

- PutEvents: 1 to 10 entries (more is a ValidationException for the whole call, as EventBridge answers); each entry
  gets its own result, an EventId or an ErrorCode with ErrorMessage (Source, DetailType or Detail missing:
  InvalidArgument; Detail not a JSON object: MalformedDetail; a bus the template does not declare:
  ResourceNotFoundException). EventBusName may be a name or an ARN; none means the default bus.
- StartReplay: re-sends the archived events of a time range to the rules of their bus (see "Archive" below).

Which buses and rules: the template's. Every AWS::Events::EventBus is served under its `Name` when the template
writes it out, else under its logical id (what `!Ref` to it gives the functions locally), plus "default". Rules
come in the two forms a template uses, and both are read:

- AWS::Events::Rule: EventBusName (!Ref/!GetAtt of a bus, a name or an ARN; none: default), EventPattern (object or
  JSON string), State (DISABLED rules are skipped), Targets[]: Arn (`!GetAtt Fn.Arn`, `!Ref Fn.Alias`,
  `!Ref Fn<Alias>` of a function, or `!GetAtt Queue.Arn` of an SQS queue), Input or InputPath, RetryPolicy
  (MaximumRetryAttempts, MaximumEventAgeInSeconds) and DeadLetterConfig.Arn (`!GetAtt Queue.Arn`).
- `Events: {Type: EventBridgeRule}` of an AWS::Serverless::Function: EventBusName, Pattern, State, Input,
  InputPath, RetryPolicy, DeadLetterConfig (Arn, or Type: SQS for the queue SAM makes: created in the local SQS
  under QueueLogicalId, else `<Function><Event>Queue`).

A target type the local stack cannot run (SNS, Step Functions, API destinations...) and InputTransformer are
logged at start and skipped, rather than failing the stack.

Matching: each event goes to every enabled rule of its bus whose pattern matches, evaluated by moto's
EventPattern (moto.events.models), the implementation moto's own EventBridge uses; tests/devstack/test_eventbus.py
checks it against the examples of EventBridge's documentation. Fields inside arrays of objects, which moto does not
reach, are matched as EventBridge matches them: all of a pattern's fields within one element of the array.

Delivery is asynchronous, as in EventBridge: PutEvents answers once the events are accepted, and each (event,
target) is delivered on a worker thread. Two retry layers, as in AWS, because they are different things:

1. EventBridge to the target. A delivery that fails (the Lambda endpoint unreachable, the invoke refused, SQS down)
   is retried under the target's RetryPolicy (defaults: 185 attempts, 24 hours); when either runs out, the event
   goes to the target's DeadLetterConfig queue with EventBridge's message attributes (RULE_ARN, TARGET_ARN,
   ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS), else it is logged and dropped.
2. Lambda's asynchronous invocation. Once a function has the event, EventBridge is done: a function *error* is
   retried by Lambda under the function's own EventInvokeConfig (MaximumRetryAttempts, default 2;
   MaximumEventAgeInSeconds, default 6 hours), then sent to its DestinationConfig.OnFailure queue (Lambda's
   invocation record) or its DeadLetterQueue (the event, with RequestID/ErrorCode/ErrorMessage attributes). A
   rule's DeadLetterConfig never sees function errors, in AWS or here.

Local departures: retries wait 0.1 s doubling to 2 s (AWS waits minutes); the function is invoked synchronously
through the local Lambda endpoint (the invoker, see devstack.streams.LambdaEndpoint) from the worker thread, which
is what an asynchronous invocation amounts to.

Archive: every accepted event is kept in memory (the bus process's lifetime; the local stack starts empty) with
the time it was accepted. StartReplay (or `EventBus.replay`) sends the events of a time range of a bus again to its
rules, with `replay-name` added, as EventBridge does. An AWS::Events::Archive's own EventPattern and retention are
not applied: locally, every event of the bus can be replayed.
"""

import itertools
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from moto.events.models import EventPattern, InvalidEventPatternException

from devstack.streams import Invocation, Invoker
from devstack.template import create_queue_requests, resources_of_type

LOG = logging.getLogger(__name__)
ACCOUNT_ID = "123456789012"  # moto's, so that ARNs agree across the local services
DEFAULT_BUS = "default"
MAX_ENTRIES = 10
FIRST_RETRY_DELAY_SECONDS = 0.1
MAX_RETRY_DELAY_SECONDS = 2.0
# EventBridge's defaults for a target's RetryPolicy, and Lambda's for asynchronous invocation.
DEFAULT_TARGET_RETRY_ATTEMPTS = 185
DEFAULT_TARGET_EVENT_AGE_SECONDS = 24 * 60 * 60
DEFAULT_ASYNC_RETRY_ATTEMPTS = 2
DEFAULT_ASYNC_EVENT_AGE_SECONDS = 6 * 60 * 60
DELIVERY_WORKERS = 8
MAX_PATTERN_VARIANTS = 1024

QueueSender = Callable[[str, str, dict[str, str]], None]  # (queue logical id or name, body, string attributes)


class TemplateNotSupported(SystemExit):
    """The template asks for something the local stack cannot follow: said at start, not at the first event."""


@dataclass(frozen=True)
class RetryPolicy:
    maximum_retry_attempts: int
    maximum_event_age_seconds: int


@dataclass(frozen=True)
class Target:
    """Where a rule sends a matching event: a function (by logical id) or an SQS queue (by logical id)."""

    rule: str
    target_id: str
    function_name: str | None = None
    queue: str | None = None
    retry_policy: RetryPolicy = RetryPolicy(DEFAULT_TARGET_RETRY_ATTEMPTS, DEFAULT_TARGET_EVENT_AGE_SECONDS)
    dead_letter_queue: str | None = None
    input: str | None = None  # a JSON text sent in place of the event
    input_path: str | None = None  # a JSONPath ($.detail...) selecting what is sent

    def arn(self, region: str) -> str:
        if self.function_name:
            return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{self.function_name}"
        return f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{self.queue}"

    def payload(self, event: dict[str, Any]) -> Any:
        if self.input is not None:
            return json.loads(self.input)
        if self.input_path is not None:
            return select_path(event, self.input_path)
        return event


@dataclass(frozen=True)
class Rule:
    name: str
    bus: str
    pattern: EventPattern
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """Lambda's handling of a function's asynchronous invocations (SAM's EventInvokeConfig and DeadLetterQueue)."""

    maximum_retry_attempts: int = DEFAULT_ASYNC_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_ASYNC_EVENT_AGE_SECONDS
    on_failure_queue: str | None = None
    dead_letter_queue: str | None = None


def matches(pattern: dict[str, Any] | str, event: dict[str, Any]) -> bool:
    """Whether EventBridge would match `event` (the envelope: source, detail-type, detail...) with `pattern`."""
    return pattern_matches(load_pattern(pattern, "pattern"), event)


class _TooManyVariants(Exception):
    pass


def _variants(value: Any) -> list[Any]:
    """The event once per choice of one element in each array of objects: EventBridge (its event-ruler) matches
    fields inside an array of objects, but only fields of the same element ("array consistency"); moto only
    descends into objects."""
    if isinstance(value, dict):
        variants: list[dict[str, Any]] = [{}]
        for key, item in value.items():
            options = _variants(item)
            variants = [{**variant, key: option} for variant in variants for option in options]
            if len(variants) > MAX_PATTERN_VARIANTS:
                raise _TooManyVariants
        return variants
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return [variant for item in value for variant in _variants(item)]
    return [value]


def pattern_matches(pattern: EventPattern, event: dict[str, Any]) -> bool:
    try:
        variants = _variants(event)
    except _TooManyVariants:  # an event with many large arrays of objects: matched as moto alone matches it
        variants = [event]
    return any(pattern.matches_event(variant) for variant in variants)


def load_pattern(pattern: dict[str, Any] | str | None, where: str) -> EventPattern:
    raw = pattern if isinstance(pattern, str) or pattern is None else json.dumps(pattern)
    try:
        return EventPattern.load(raw)
    except InvalidEventPatternException as error:
        raise TemplateNotSupported(f"{where}: invalid event pattern: {error.message}") from None


def select_path(event: Any, path: str) -> Any:
    """The value at a simple JSONPath ($, $.a.b): what InputPath may select."""
    if path == "$":
        return event
    value = event
    for name in path[2:].split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def bus_names(template: dict[str, Any]) -> dict[str, str]:
    """The local name of each AWS::Events::EventBus, by logical id: its Name if written out, else the logical id."""
    return {
        logical_id: name if isinstance(name := properties.get("Name"), str) else logical_id
        for logical_id, properties in resources_of_type(template, "AWS::Events::EventBus").items()
    }


def _reference(value: object) -> tuple[str, str | None] | None:
    """(logical id, attribute) of a !Ref (attribute None) or !GetAtt."""
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(ref := value.get("Ref"), str):
            return ref, None
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and len(attribute) == 2:
            return attribute[0], attribute[1]
    return None


def _bus_of(value: object, buses: dict[str, str], where: str) -> str:
    if value is None:
        return DEFAULT_BUS
    if isinstance(value, str):
        return value.rsplit("event-bus/", 1)[-1]
    reference = _reference(value)
    if reference and reference[0] in buses:
        return buses[reference[0]]
    raise TemplateNotSupported(f"{where}: EventBusName must be a bus of this template (!Ref/!GetAtt) or a name")


def _function_of(value: object, functions: set[str]) -> str | None:
    """The function an Arn names: !GetAtt Fn.Arn, !Ref Fn.Alias (SAM), !Ref Fn<Alias><name> (SAM's alias)."""
    reference = _reference(value)
    if not reference:
        return None
    logical_id, attribute = reference
    if attribute == "Arn" and logical_id in functions:
        return logical_id
    if attribute is None:
        name = logical_id.removesuffix(".Alias")
        if name in functions:
            return name
        for function in functions:
            if logical_id.startswith(f"{function}Alias"):
                return function
    return None


def _queue_of(value: object, queues: set[str]) -> str | None:
    reference = _reference(value)
    if reference and reference[1] == "Arn" and reference[0] in queues:
        return reference[0]
    return None


def _retry_policy(properties: dict[str, Any]) -> RetryPolicy:
    policy = properties.get("RetryPolicy") or {}
    return RetryPolicy(
        int(policy.get("MaximumRetryAttempts", DEFAULT_TARGET_RETRY_ATTEMPTS)),
        int(policy.get("MaximumEventAgeInSeconds", DEFAULT_TARGET_EVENT_AGE_SECONDS)),
    )


def _input(properties: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    if "InputTransformer" in properties:
        raise TemplateNotSupported(f"{where}: InputTransformer is not followed locally")
    text = properties.get("Input")
    if text is not None:
        try:
            json.loads(text)
        except (TypeError, ValueError):
            raise TemplateNotSupported(f"{where}: Input must be a JSON text") from None
    path = properties.get("InputPath")
    if path is not None and not re.fullmatch(r"\$(\.[^.\[\]*]+)*", str(path)):
        raise TemplateNotSupported(f"{where}: InputPath {path!r}: only $ and $.field.field... are followed locally")
    return text, path


def event_rules(template: dict[str, Any]) -> tuple[list[Rule], dict[str, str]]:
    """The enabled rules of the template, and the SQS queues SAM would make for dead letters (name by name)."""
    buses = bus_names(template)
    functions = set(resources_of_type(template, "AWS::Serverless::Function")) | set(
        resources_of_type(template, "AWS::Lambda::Function")
    )
    queues = set(resources_of_type(template, "AWS::SQS::Queue"))
    rules: list[Rule] = []
    made_queues: dict[str, str] = {}

    def dead_letters(config: dict[str, Any] | None, where: str, default_name: str) -> str | None:
        if not config:
            return None
        if "Arn" in config:
            queue = _queue_of(config["Arn"], queues)
            if queue is None:
                raise TemplateNotSupported(
                    f"{where}: DeadLetterConfig.Arn must be !GetAtt <queue of this template>.Arn"
                )
            return queue
        if config.get("Type") == "SQS":
            name = config.get("QueueLogicalId") or default_name
            made_queues[name] = name
            return name
        raise TemplateNotSupported(f"{where}: DeadLetterConfig needs an Arn or Type: SQS")

    for rule_id, properties in resources_of_type(template, "AWS::Events::Rule").items():
        if properties.get("State", "ENABLED") != "ENABLED" or "EventPattern" not in properties:
            continue  # disabled, or a schedule: nothing for PutEvents to match
        where = f"{rule_id}"
        targets = []
        for target in properties.get("Targets", []):
            target_where = f"{where}.Targets.{target.get('Id')}"
            function = _function_of(target.get("Arn"), functions)
            queue = None if function else _queue_of(target.get("Arn"), queues)
            if not function and not queue:
                LOG.warning("%s: target type not run locally, skipped: %s", target_where, target.get("Arn"))
                continue
            text, path = _input(target, target_where)
            targets.append(
                Target(
                    rule=rule_id,
                    target_id=str(target.get("Id")),
                    function_name=function,
                    queue=queue,
                    retry_policy=_retry_policy(target),
                    dead_letter_queue=dead_letters(target.get("DeadLetterConfig"), target_where, ""),
                    input=text,
                    input_path=path,
                )
            )
        bus = _bus_of(properties.get("EventBusName"), buses, where)
        rules.append(Rule(rule_id, bus, load_pattern(properties["EventPattern"], where), tuple(targets)))

    for function_name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in (function.get("Events") or {}).items():
            if event.get("Type") != "EventBridgeRule":
                continue
            properties = event.get("Properties", {})
            where = f"{function_name}.Events.{event_name}"
            if properties.get("State", "ENABLED") != "ENABLED" or not properties.get("Enabled", True):
                continue
            text, path = _input(properties, where)
            target = Target(
                rule=f"{function_name}{event_name}",
                target_id=str((properties.get("Target") or {}).get("Id", f"{function_name}{event_name}LambdaTarget")),
                function_name=function_name,
                retry_policy=_retry_policy(properties),
                dead_letter_queue=dead_letters(
                    properties.get("DeadLetterConfig"), where, f"{function_name}{event_name}Queue"
                ),
                input=text,
                input_path=path,
            )
            bus = _bus_of(properties.get("EventBusName"), buses, where)
            rules.append(Rule(target.rule, bus, load_pattern(properties.get("Pattern"), where), (target,)))
    return rules, made_queues


def async_invoke_configs(template: dict[str, Any]) -> dict[str, AsyncInvokeConfig]:
    """Each function's asynchronous invocation settings (Globals.Function applies, as SAM applies it)."""
    queues = set(resources_of_type(template, "AWS::SQS::Queue"))
    defaults = (template.get("Globals") or {}).get("Function") or {}
    configs = {}
    for function_name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        settings = {**defaults, **function}
        # SAM merges a map of Globals into the function's, key by key.
        invoke_config = {**(defaults.get("EventInvokeConfig") or {}), **(function.get("EventInvokeConfig") or {})}
        on_failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        dead_letter = (settings.get("DeadLetterQueue") or {}).get("TargetArn")
        on_failure_queue = _queue_of(on_failure, queues) if on_failure else None
        dead_letter_queue = _queue_of(dead_letter, queues) if dead_letter else None
        if (on_failure and not on_failure_queue) or (dead_letter and not dead_letter_queue):
            LOG.warning("%s: only SQS queues of the template are followed as async failure destinations", function_name)
        configs[function_name] = AsyncInvokeConfig(
            maximum_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRY_ATTEMPTS)),
            maximum_event_age_seconds=int(
                invoke_config.get("MaximumEventAgeInSeconds", DEFAULT_ASYNC_EVENT_AGE_SECONDS)
            ),
            on_failure_queue=on_failure_queue,
            dead_letter_queue=dead_letter_queue,
        )
    return configs


class SqsSender:
    """Sends to the local SQS (moto) by logical id: the template's queues, and the dead-letter queues SAM makes."""

    def __init__(self, template: dict[str, Any], endpoint_url: str, region: str, made_queues: dict[str, str]) -> None:
        self._sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=region)
        self._names = {
            logical_id: request["QueueName"] for logical_id, request in create_queue_requests(template).items()
        }
        for name in made_queues.values():
            self._sqs.create_queue(QueueName=name)
            self._names.setdefault(name, name)
        self._urls: dict[str, str] = {}

    def __call__(self, queue: str, body: str, attributes: dict[str, str]) -> None:
        if queue not in self._urls:
            self._urls[queue] = self._sqs.get_queue_url(QueueName=self._names.get(queue, queue))["QueueUrl"]
        message_attributes = {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
        }
        self._sqs.send_message(QueueUrl=self._urls[queue], MessageBody=body, MessageAttributes=message_attributes)


@dataclass
class ArchivedEvent:
    accepted_at: float
    bus: str
    event: dict[str, Any]


class DeliveryFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class EventBus:
    """The local EventBridge: routes events to the template's rules and delivers them on worker threads."""

    rules: list[Rule]
    invoke: Invoker
    send: QueueSender | None = None
    async_configs: dict[str, AsyncInvokeConfig] = field(default_factory=dict)
    buses: set[str] = field(default_factory=lambda: {DEFAULT_BUS})
    region: str = "us-east-1"
    clock: Callable[[], float] = time.time
    first_retry_delay: float = FIRST_RETRY_DELAY_SECONDS
    max_retry_delay: float = MAX_RETRY_DELAY_SECONDS
    archive: list[ArchivedEvent] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(DELIVERY_WORKERS, thread_name_prefix="eventbus")
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the bus is not serving")
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # PutEvents and StartReplay

    def put_events(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """PutEvents' result for `entries` (already checked to be 1 to 10); accepted events are on their way."""
        results = []
        for entry in entries:
            try:
                bus, event = self._envelope(entry)
            except DeliveryFailed as error:
                results.append({"ErrorCode": error.code, "ErrorMessage": error.message})
                continue
            with self._lock:
                self.archive.append(ArchivedEvent(self.clock(), bus, event))
            self.route(bus, event)
            results.append({"EventId": event["id"]})
        return {"FailedEntryCount": sum("ErrorCode" in result for result in results), "Entries": results}

    def _envelope(self, entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        for required in ("Source", "DetailType", "Detail"):
            if not entry.get(required) or not isinstance(entry[required], str):
                raise DeliveryFailed(
                    "InvalidArgument", f"Parameter {required} is not valid. Reason: {required} is a required argument."
                )
        resources = entry.get("Resources") or []
        if not isinstance(resources, list) or not all(isinstance(resource, str) for resource in resources):
            raise DeliveryFailed("InvalidArgument", "Parameter Resources is not valid. Reason: a list of ARNs.")
        try:
            detail = json.loads(entry["Detail"])
        except (TypeError, ValueError):
            detail = None
        if not isinstance(detail, dict):
            raise DeliveryFailed("MalformedDetail", "Detail is malformed.")
        bus = str(entry.get("EventBusName") or DEFAULT_BUS).rsplit("event-bus/", 1)[-1]
        if bus not in self.buses:
            raise DeliveryFailed("ResourceNotFoundException", f"Event bus {bus} does not exist.")
        moment = _moment(entry.get("Time"), self.clock())
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": ACCOUNT_ID,
            "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": resources,
            "detail": detail,
        }
        return bus, event

    def replay(self, bus: str, start: float, end: float, replay_name: str) -> int:
        """Send the archived events of `bus` accepted in [start, end) to its rules again; how many were sent."""
        with self._lock:
            chosen = [
                archived for archived in self.archive if archived.bus == bus and start <= archived.accepted_at < end
            ]
        for archived in chosen:
            self.route(bus, {**archived.event, "replay-name": replay_name})
        return len(chosen)

    def route(self, bus: str, event: dict[str, Any]) -> None:
        accepted_at = self.clock()
        for rule in self.rules:
            if rule.bus == bus and pattern_matches(rule.pattern, event):
                for target in rule.targets:
                    self._submit(target, event, accepted_at)

    # Delivery

    def _submit(self, target: Target, event: dict[str, Any], accepted_at: float) -> None:
        with self._lock:
            self._in_flight += 1
        future = self._executor.submit(self._deliver, target, event, accepted_at)
        future.add_done_callback(self._done)

    def _done(self, _future: object) -> None:
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_until_idle(self, timeout_seconds: float = 10) -> bool:
        """Whether every delivery (retries included) finished within the time: for tests and benchmarks."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout_seconds)

    def _delay(self, retries: int) -> float:
        return min(self.first_retry_delay * 2 ** max(retries - 1, 0), self.max_retry_delay)

    def _deliver(self, target: Target, event: dict[str, Any], accepted_at: float) -> None:
        try:
            payload = target.payload(event)
            policy = target.retry_policy
            for attempt in itertools.count():
                try:
                    if target.function_name:
                        invocation = self._invoke_once(target.function_name, payload)
                        self._lambda_async(target.function_name, payload, invocation)
                    else:
                        self._send_to_queue(target, payload)
                    return
                except DeliveryFailed as error:
                    failure = error
                if self._stopping.is_set():
                    return
                if attempt >= policy.maximum_retry_attempts:
                    self._dead_letter(target, event, failure, "MaximumRetryAttempts", attempt)
                    return
                if self.clock() - accepted_at + self._delay(attempt + 1) > policy.maximum_event_age_seconds:
                    self._dead_letter(target, event, failure, "MaximumEventAgeInSeconds", attempt)
                    return
                self._stopping.wait(self._delay(attempt + 1))
        except Exception:
            LOG.exception("%s: delivery to %s failed unexpectedly", target.rule, target.target_id)

    def _invoke_once(self, function_name: str, payload: Any) -> Invocation:
        try:
            return self.invoke(function_name, payload)
        except Exception as error:  # whatever stopped the call, the function did not run: EventBridge retries
            raise DeliveryFailed("Lambda.ServiceException", str(error)) from error

    def _send_to_queue(self, target: Target, payload: Any) -> None:
        if self.send is None or target.queue is None:
            raise DeliveryFailed("SQS.NotConfigured", "no local SQS to send to")
        try:
            self.send(target.queue, json.dumps(payload), {})
        except Exception as error:
            raise DeliveryFailed("SQS.ServiceException", str(error)) from error

    def _lambda_async(self, function_name: str, payload: Any, invocation: Invocation) -> None:
        """Lambda has the event: its own retries of a function error, then its failure destination."""
        config = self.async_configs.get(function_name, AsyncInvokeConfig())
        received_at = self.clock()
        invocations = 1
        condition = "RetriesExhausted"
        while invocation.function_error:
            if invocations > config.maximum_retry_attempts:
                break
            delay = self._delay(invocations)
            if self.clock() - received_at + delay > config.maximum_event_age_seconds:
                condition = "EventAgeExceeded"
                break
            if self._stopping.wait(delay):
                return
            try:
                invocation = self.invoke(function_name, payload)
            except Exception as error:  # the endpoint is down: Lambda still holds the event, nothing ran
                LOG.warning("%s: invoke failed, will retry: %s", function_name, error)
                continue
            invocations += 1
        if invocation.function_error:
            self._async_failure(function_name, payload, invocation, condition, invocations, config)

    def _async_failure(
        self,
        function_name: str,
        payload: Any,
        invocation: Invocation,
        condition: str,
        invocations: int,
        config: AsyncInvokeConfig,
    ) -> None:
        request_id = str(uuid.uuid4())
        error = invocation.payload if isinstance(invocation.payload, dict) else {}
        LOG.warning(
            "%s: gave up on an event after %d invocation(s) (%s): %s",
            function_name,
            invocations,
            condition,
            error.get("errorMessage", invocation.payload),
        )
        if self.send is None:
            return
        try:
            if config.on_failure_queue:
                record = {
                    "version": "1.0",
                    "timestamp": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="milliseconds")[:-6]
                    + "Z",
                    "requestContext": {
                        "requestId": request_id,
                        "functionArn": f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{function_name}:$LATEST",
                        "condition": condition,
                        "approximateInvokeCount": invocations,
                    },
                    "requestPayload": payload,
                    "responseContext": {
                        "statusCode": invocation.status_code,
                        "executedVersion": invocation.executed_version,
                        "functionError": invocation.function_error,
                    },
                    "responsePayload": invocation.payload,
                }
                self.send(config.on_failure_queue, json.dumps(record), {})
            elif config.dead_letter_queue:
                self.send(
                    config.dead_letter_queue,
                    json.dumps(payload),
                    {
                        "RequestID": request_id,
                        "ErrorCode": "200",
                        "ErrorMessage": str(error.get("errorMessage", ""))[:1000],
                    },
                )
        except Exception:
            LOG.exception("%s: could not send to the failure destination", function_name)

    def _dead_letter(
        self, target: Target, event: dict[str, Any], failure: DeliveryFailed, condition: str, retries: int
    ) -> None:
        rule_arn = f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{target.rule}"
        LOG.warning(
            "%s: gave up delivering event %s to %s after %d retries (%s): %s",
            target.rule,
            event["id"],
            target.target_id,
            retries,
            condition,
            failure,
        )
        if self.send is None or target.dead_letter_queue is None:
            return
        try:
            self.send(
                target.dead_letter_queue,
                json.dumps(event),
                {
                    "RULE_ARN": rule_arn,
                    "TARGET_ARN": target.arn(self.region),
                    "ERROR_CODE": failure.code,
                    "ERROR_MESSAGE": failure.message[:1000],
                    "EXHAUSTED_RETRY_CONDITION": condition,
                    "RETRY_ATTEMPTS": str(retries),
                },
            )
        except Exception:
            LOG.exception("%s: could not send to the dead-letter queue %s", target.rule, target.dead_letter_queue)

    # Serving

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.1,), name="eventbus-http", daemon=True).start()

    def stop(self, timeout_seconds: float = 5) -> None:
        """Stop serving and delivering: no retry starts after this; a delivery in flight ends with its call."""
        self._stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.wait_until_idle(timeout_seconds)


def _moment(when: object, now: float) -> datetime:
    """An entry's Time (epoch seconds, as boto3 sends it, or ISO 8601), else now; InvalidArgument if unreadable."""
    try:
        if when is None:
            return datetime.fromtimestamp(now, UTC)
        if isinstance(when, int | float) and not isinstance(when, bool):
            return datetime.fromtimestamp(float(when), UTC)
        if isinstance(when, str):
            moment = datetime.fromisoformat(when)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise DeliveryFailed("InvalidArgument", "Parameter Time is not valid.")


def _error(code: str, message: str) -> tuple[int, dict[str, Any]]:
    return HTTPStatus.BAD_REQUEST, {"__type": code, "message": message}


def _timestamp(value: object) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


def _operation(bus: EventBus, target: str, request: Any) -> tuple[int, dict[str, Any]]:
    if not isinstance(request, dict):
        return _error("SerializationException", "the request body must be a JSON object")
    if target == "AWSEvents.PutEvents":
        entries = request.get("Entries")
        if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
            return _error("ValidationException", "Entries must be a list of 1 to 10 entries")
        if len(entries) > MAX_ENTRIES:
            return _error(
                "ValidationException",
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_ENTRIES}",
            )
        return HTTPStatus.OK, bus.put_events(entries)
    if target == "AWSEvents.StartReplay":
        name = request.get("ReplayName")
        source = str(request.get("EventSourceArn", ""))
        start, end = _timestamp(request.get("EventStartTime")), _timestamp(request.get("EventEndTime"))
        source_bus = source.rsplit("event-bus/", 1)[-1] if "event-bus/" in source else None
        if not name or source_bus not in bus.buses or start is None or end is None or start >= end:
            return _error(
                "ValidationException",
                "ReplayName, EventSourceArn (an event bus ARN, for the local archive) and EventStartTime before "
                "EventEndTime are required",
            )
        count = bus.replay(source_bus, start, end, name)
        LOG.warning("replay %s: %d event(s) of bus %s sent again", name, count, source_bus)
        return HTTPStatus.OK, {
            "ReplayArn": f"arn:aws:events:{bus.region}:{ACCOUNT_ID}:replay/{name}",
            "State": "COMPLETED",
            "ReplayStartTime": time.time(),
        }
    return _error("UnknownOperationException", f"operation {target or '(none)'} is not served locally")


def _handler(bus: EventBus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                status, answer = _error("SerializationException", "the request body is not JSON")
            else:
                try:
                    status, answer = _operation(bus, self.headers.get("X-Amz-Target", ""), request)
                except Exception:  # a bug here, not the caller's fault: said as AWS says it
                    LOG.exception("the local bus failed on a request")
                    status, answer = HTTPStatus.INTERNAL_SERVER_ERROR, {"__type": "InternalException", "message": ""}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_event_bus(
    template: dict[str, Any],
    invoke: Invoker,
    *,
    sqs_endpoint_url: str | None,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = "us-east-1",
) -> EventBus:
    """Serve the template's buses on host:port (0: a free one; see .url), delivering through `invoke` and, for queue
    targets and dead letters, the local SQS at `sqs_endpoint_url` (the template's queues must exist). stop() ends it."""
    rules, made_queues = event_rules(template)
    send = SqsSender(template, sqs_endpoint_url, region, made_queues) if sqs_endpoint_url else None
    bus = EventBus(
        rules=rules,
        invoke=invoke,
        send=send,
        async_configs=async_invoke_configs(template),
        buses={DEFAULT_BUS, *bus_names(template).values()},
        region=region,
    )
    bus.serve(host, port)
    return bus


def local_environment(host: str, port: int) -> dict[str, str]:
    """What the functions need to reach the bus served on host:port with boto3 (known before it starts, so that
    the functions' environment can be written first)."""
    # botocore names the variable after the service id, "EventBridge" (not the client's name, "events").
    return {"AWS_ENDPOINT_URL_EVENTBRIDGE": f"http://{host}:{port}"}
