"""A Lambda Python runtime for one warm worker process (stdlib only: it runs on the function's interpreter).

Started by devstack.runtime as `python -S -P bootstrap.py REQUEST_FD RESPONSE_FD` with the function's code
directory as cwd and Lambda's environment. Like Lambda's runtime it imports the handler once (init), then serves
invocations one at a time for as long as it lives. Each message is one line of JSON:

    worker -> runtime   {"ready": true}  or  {"initError": <Lambda error>} (then it exits)
    runtime -> worker   {"requestId": ..., "deadlineMs": <epoch ms>, "event": <event as a JSON string>}
    worker -> runtime   {"response": <handler result or Lambda error>}

The pipes are not stdout/stderr, so whatever the function prints stays a log line and never a response.
"""

import decimal
import importlib
import json
import logging
import os
import secrets
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, "LambdaContext"], Any]
ACCOUNT_ID = "123456789012"
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class InitError(Exception):
    """A failure Lambda reports as `Runtime.*` rather than as the user's own exception."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class CognitoIdentity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class LambdaContext:
    """The attributes and method of the context object Lambda's Python runtime passes to handlers."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        # A string, as in Lambda: the runtime copies it from the environment.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity()
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class RequestIdFilter(logging.Filter):
    """Stamps log records with the current request id, as Lambda's log handler does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def install_lambda_logging() -> RequestIdFilter:
    # Lambda's root handler: records that reach the root logger are printed in Lambda's text format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    logging.Formatter.converter = time.gmtime
    request_ids = RequestIdFilter()
    handler.addFilter(request_ids)
    logging.getLogger().addHandler(handler)
    return request_ids


def load_handler(spec: str) -> Handler:
    """Import `module.function` the way Lambda does, with Lambda's error types for each way it can fail."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from error
    except SyntaxError as error:
        raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from error
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


def error_shape(error: BaseException) -> dict[str, Any]:
    # No requestId key: SAM only recognises a function error whose keys are within these.
    # Lambda leaves its own frame out of the stack trace, which starts at the function's code.
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__)[1:]),
    }


def log_error(shape: dict[str, Any]) -> None:
    # Lambda's log line for an error: the same frames as the response's stack trace.
    trace = "".join(["Traceback (most recent call last):\n", *shape["stackTrace"]]) if shape["stackTrace"] else ""
    print(f"[ERROR] {shape['errorType']}: {shape['errorMessage']}\n{trace}", end="", file=sys.stderr, flush=True)


def to_json(message: dict[str, Any]) -> bytes:
    # Lambda's marshaller turns Decimal (as boto3 returns DynamoDB numbers) into a JSON number.
    def decimal_as_number(value: object) -> float:
        if isinstance(value, decimal.Decimal):
            return float(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    return json.dumps(message, default=decimal_as_number).encode() + b"\n"


def invoke(handler: Handler, request: dict[str, Any], request_ids: RequestIdFilter) -> bytes:
    """The reply line: the handler's result, or Lambda's error shape for what went wrong."""
    request_ids.request_id = request["requestId"]
    os.environ["_X_AMZN_TRACE_ID"] = new_trace_id()
    try:
        result = handler(json.loads(request["event"]), LambdaContext(request["requestId"], request["deadlineMs"]))
    except Exception as error:
        shape = error_shape(error)
        log_error(shape)
        return to_json({"response": shape})
    try:
        return to_json({"response": result})
    except (TypeError, ValueError) as error:
        shape = {
            "errorMessage": f"Unable to marshal response: {error}",
            "errorType": "Runtime.MarshalError",
            "stackTrace": [],
        }
        log_error(shape)
        return to_json({"response": shape})


def new_trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def main() -> None:
    request_fd, response_fd = (int(fd) for fd in sys.argv[1:3])
    request_ids = install_lambda_logging()
    with os.fdopen(request_fd, "rb") as requests, os.fdopen(response_fd, "wb") as responses:
        try:
            handler = load_handler(os.environ["_HANDLER"])
        except Exception as error:
            shape = error_shape(error)
            if isinstance(error, InitError):
                shape.update(errorType=error.error_type, stackTrace=[])
            log_error(shape)
            responses.write(to_json({"initError": shape}))
            return
        responses.write(to_json({"ready": True}))
        responses.flush()
        # The runtime closing its end (it stopped, or died) ends the loop: a worker never outlives it.
        for line in requests:
            responses.write(invoke(handler, json.loads(line), request_ids))
            responses.flush()


if __name__ == "__main__":
    main()
