"""`make dev`'s console: one short line per request and per function log record, instead of the raw stream.

The API process (devstack.apigw) writes what `sam local` writes: werkzeug's access lines, every function's
output line by line behind `[FunctionName] `, and, after each response, a request record (`request_record`):
one line of JSON behind REQUEST_MARKER. `python -m devstack` reads all of it and prints, through
`ConsoleFormatter`:

    10:06:01 GET /products 200 12 ms ListProductsFunction
    10:06:02 PUT /cart/items/... 200 48 ms PutCartItemFunction
    10:06:02 GET /private 200 30 ms PrivateFunction (authorizer TokenAuthorizerFunction)
    10:06:02 INFO  IndexerFunction batch indexed  records=19 failed=0
    10:06:03 ERROR CreateOrderFunction checkout failed  order_id=...
        Traceback (most recent call last):
          ...

Powertools' JSON records become `HH:MM:SS LEVEL Function message  key=value...` (their own standard keys left
out, the others shortened); a record with an exception is followed by its traceback in full, indented. Metrics
(CloudWatch embedded metric format blobs), werkzeug's access lines, SAM's route listing and its authorizer
fidelity notice are hidden. With verbose (`VERBOSE=1 make dev`, `--verbose`) every line is printed as it came,
request records rendered as above.

Standard library only: the SAM CLI venv (devstack.apigw) writes request records with it too.
"""

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import IO, Any

REQUEST_MARKER = "devstack.request "
# `[FunctionName] rest`, as devstack.runtime prefixes every line a function prints.
FUNCTION_LINE = re.compile(r"^\[(?P<function>[A-Za-z0-9][\w./-]*)\] (?P<text>.*)$", re.DOTALL)
# Lambda's runtime log format (the root logger's records): `[LEVEL]\t<timestamp>\t<request id>\t<message>`.
RUNTIME_RECORD = re.compile(r"^\[(?P<level>[A-Z]+)\]\t(?P<timestamp>\S+)\t(?P<request_id>\S*)\t(?P<message>.*)$")
# Lambda's line for an unhandled error: `[ERROR] Type: message`.
RUNTIME_ERROR = re.compile(r"^\[(?P<level>ERROR)\] (?P<message>.*)$")
# A traceback's own lines, printed under the record they belong to.
TRACEBACK_LINE = re.compile(r"^(Traceback \(most recent call last\):|\s|During handling of|The above exception)")
# werkzeug's access and error lines, bare or through the logging module's `LEVEL werkzeug: ` format.
WERKZEUG_LINE = re.compile(r"^(?:[A-Z]+ werkzeug: )?\S+ - - \[[^\]]+\] ")
# SAM's route listing (`Mounting Fn at http://... [GET]`), printed when the API starts.
MOUNTING_LINE = re.compile(r"^Mounting \S+ at \S+ \[[A-Z, ]+\]$")
# SAM's notice about local authorizers' fidelity: a WARNING line that turns the text yellow, a few lines, and
# the line that resets the colour. At most NOTICE_LINES are hidden, should the reset never come.
SAM_AUTHORIZER_NOTICE = "WARNING samcli.lib.providers.api_collector: \x1b[33m"
ANSI_RESET = "\x1b[0m"
NOTICE_LINES = 12
# Powertools Logger's standard keys: the others are what the code chose to log, shown after the message.
STANDARD_KEYS = frozenset(
    {
        "level", "location", "message", "timestamp", "service", "cold_start", "function_name",
        "function_memory_size", "function_arn", "function_request_id", "xray_trace_id", "sampling_rate",
        "exception", "exception_name", "stack_trace", "correlation_id",
    }
)  # fmt: skip
EXTRA_VALUE_CHARACTERS = 60
EXTRAS_CHARACTERS = 200
INDENT = "    "
LEVEL_WIDTH = 5


def request_record(
    method: str,
    path: str,
    status: int | str,
    milliseconds: float | None,
    function: str | None,
    authorizer: str | None = None,
    invoke: bool = False,
) -> str:
    """The line the API process writes after each response (`invoke`: Lambda's Invoke API, not the REST API)."""
    record: dict[str, Any] = {"method": method, "path": path, "status": status, "ms": milliseconds}
    if function:
        record["function"] = function
    if authorizer:
        record["authorizer"] = authorizer
    if invoke:
        record["invoke"] = True
    return REQUEST_MARKER + json.dumps(record, separators=(",", ":"))


def clock(epoch_seconds: float | None = None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch_seconds))


def format_request(record: Mapping[str, Any], now: str) -> str:
    milliseconds = record.get("ms")
    duration = f"{milliseconds:.0f} ms" if isinstance(milliseconds, int | float) else "- ms"
    function = record.get("function") or "-"
    if record.get("invoke"):
        return f"{now} invoke {function} {record.get('status')} {duration}"
    authorizer = f" (authorizer {record['authorizer']})" if record.get("authorizer") else ""
    return f"{now} {record.get('method')} {record.get('path')} {record.get('status')} {duration} {function}{authorizer}"


def is_metrics(record: Mapping[str, Any]) -> bool:
    """CloudWatch's embedded metric format: `_aws.CloudWatchMetrics` names the metrics in the blob."""
    aws = record.get("_aws")
    return isinstance(aws, Mapping) and "CloudWatchMetrics" in aws


def powertools_time(timestamp: object, fallback: str) -> str:
    """HH:MM:SS in local time from Powertools' `2026-12-06 10:06:00,943+0000`; `fallback` if unreadable."""
    if isinstance(timestamp, str):
        for layout in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"):
            try:
                return datetime.strptime(timestamp, layout).astimezone().strftime("%H:%M:%S")
            except ValueError:
                continue
    return fallback


def short(value: object, limit: int = EXTRA_VALUE_CHARACTERS) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def extras(record: Mapping[str, Any]) -> str:
    shown = " ".join(f"{key}={short(value)}" for key, value in record.items() if key not in STANDARD_KEYS)
    if len(shown) > EXTRAS_CHARACTERS:
        shown = shown[: EXTRAS_CHARACTERS - 1] + "…"
    return f"  {shown}" if shown else ""


def indented(text: str) -> list[str]:
    return [INDENT + line for line in text.rstrip("\n").splitlines()]


def format_powertools(function: str, record: Mapping[str, Any], now: str) -> list[str]:
    level = str(record.get("level", "INFO")).upper()
    when = powertools_time(record.get("timestamp"), now)
    message = short(record.get("message", ""), limit=500)
    lines = [f"{when} {level:<{LEVEL_WIDTH}} {function} {message}{extras(record)}"]
    exception = record.get("exception") or record.get("stack_trace")
    if isinstance(exception, str) and exception:
        lines.extend(indented(exception))
    elif exception:
        lines.extend(indented(json.dumps(exception, indent=2, default=str)))
    return lines


def format_function_line(function: str, text: str, now: str) -> list[str]:
    """One line a function printed (without the newline): [] when it is not for the console."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if is_metrics(record):
                return []
            if "level" in record and "message" in record:
                return format_powertools(function, record, now)
            return [f"{now} {'':<{LEVEL_WIDTH}} {function} {short(record, limit=EXTRAS_CHARACTERS)}"]
    if runtime := RUNTIME_RECORD.match(text):
        return [f"{now} {runtime['level']:<{LEVEL_WIDTH}} {function} {runtime['message']}"]
    if error := RUNTIME_ERROR.match(text):
        return [f"{now} {error['level']:<{LEVEL_WIDTH}} {function} {error['message']}"]
    if TRACEBACK_LINE.match(text):
        return [INDENT + text]
    if not stripped:
        return []
    return [f"{now} {'':<{LEVEL_WIDTH}} {function} {text}"]


class ConsoleFormatter:
    """Turns the local stack's output, line by line, into what the console shows (see the module's doc)."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose
        self._notice_lines_left = 0

    def lines(self, line: str, now: str | None = None) -> list[str]:
        """What to print for one line of output (without its newline): none, one, or a record and its traceback."""
        now = now or clock()
        if line.startswith(REQUEST_MARKER):
            try:
                return [format_request(json.loads(line[len(REQUEST_MARKER) :]), now)]
            except (ValueError, TypeError, AttributeError):
                return [line]
        if self.verbose:
            return [line]
        if self._notice_lines_left:
            self._notice_lines_left = 0 if ANSI_RESET in line else self._notice_lines_left - 1
            return []
        if line.startswith(SAM_AUTHORIZER_NOTICE):
            self._notice_lines_left = 0 if ANSI_RESET in line else NOTICE_LINES
            return []
        if WERKZEUG_LINE.match(line) or MOUNTING_LINE.match(line):
            return []
        if function_line := FUNCTION_LINE.match(line):
            return format_function_line(function_line["function"], function_line["text"], now)
        return [line]


class Console:
    """Prints the stack's output through a ConsoleFormatter, one `write` call per printed line.

    `write` is the one way to the terminal, so that it can keep a progress bar below what is printed (see
    `python -m devstack`, which passes one built on tqdm's)."""

    def __init__(self, formatter: ConsoleFormatter, write: Callable[[str], None]) -> None:
        self._formatter = formatter
        self._write = write
        self._lock = threading.Lock()

    def feed(self, line: str) -> None:
        with self._lock:  # the formatter remembers multi-line notices: one line at a time
            printed = self._formatter.lines(line)
        for text in printed:
            self._write(text)

    def write(self, text: str) -> None:
        self._write(text)

    def pump(self, stream: IO[bytes]) -> threading.Thread:
        """Feed every line of `stream` (a process's output) in a thread of its own, until it ends."""

        def run() -> None:
            with stream:
                for raw in stream:
                    self.feed(raw.decode(errors="replace").rstrip("\r\n"))

        thread = threading.Thread(target=run, name="console", daemon=True)
        thread.start()
        return thread


class ConsoleHandler(logging.Handler):
    """This process's own log records (stream trigger, event bus) on the console, above the progress bar."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self._console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._console.write(self.format(record))
        except Exception:  # logging's contract: a handler reports its own failure
            self.handleError(record)
