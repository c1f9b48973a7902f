"""`make dev`'s console (devstack.console): the formatter over sample lines as the API process writes them, and
a running stack's console showing one line per request."""

import json
import logging
import re
import time
from datetime import datetime

import requests

from devstack.console import Console, ConsoleFormatter, ConsoleHandler, request_record
from devstack.launcher import running_stack

NOW = "10:00:00"
EMF_BLOB = (
    '[CreateProductFunction] {"_aws":{"Timestamp":1796551560020,"CloudWatchMetrics":[{"Namespace":"Shop/dev",'
    '"Dimensions":[["service"]],"Metrics":[{"Name":"ProductsCreated","Unit":"Count"}]}]},"service":"shop",'
    '"ProductsCreated":[1.0]}'
)
WERKZEUG_LINE = (
    'INFO werkzeug: 127.0.0.1 - - [06/Dec/2026 10:06:00] "\x1b[35m\x1b[1mPOST /products HTTP/1.1\x1b[0m" 201 -'
)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/var/task/app.py", line 40, in lambda_handler\n'
    "    order = place(cart)\n"
    "ValueError: the cart is empty"
)


def powertools_line(function: str, **record: object) -> str:
    base = {
        "level": "INFO",
        "location": "lambda_handler:38",
        "message": "batch indexed",
        "timestamp": "2026-12-06 10:06:01,313+0000",
        "service": "shop",
        "cold_start": True,
        "function_name": function,
        "function_memory_size": "512",
        "function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
        "function_request_id": "7fec2ad7-facd-48f1-92fe-2d5879e60011",
        "xray_trace_id": "1-6931d2e9-0b1c2d3e4f5a6b7c8d9e0f1a",
    }
    return f"[{function}] {json.dumps({**base, **record})}"


def local_clock(timestamp: str) -> str:
    return datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S,%f%z").astimezone().strftime("%H:%M:%S")


def test_given_a_request_record_when_formatted_then_one_line_with_method_path_status_milliseconds_and_function():
    line = request_record("GET", "/products", 200, 12.4, "ListProductsFunction")

    assert ConsoleFormatter().lines(line, now=NOW) == [f"{NOW} GET /products 200 12 ms ListProductsFunction"]


def test_given_a_protected_request_and_an_invocation_when_formatted_then_authorizer_and_invoke_are_named():
    protected = request_record("POST", "/orders", 201, 48.0, "CreateOrderFunction", authorizer="AuthorizerFunction")
    invoked = request_record(
        "POST", "/2015-03-31/functions/IndexerFunction/invocations", 200, 23.2, "IndexerFunction", invoke=True
    )
    unrouted = request_record("POST", "/nowhere", 403, 3.0, None)

    formatter = ConsoleFormatter()

    assert formatter.lines(protected, now=NOW) == [
        f"{NOW} POST /orders 201 48 ms CreateOrderFunction (authorizer AuthorizerFunction)"
    ]
    assert formatter.lines(invoked, now=NOW) == [f"{NOW} invoke IndexerFunction 200 23 ms"]
    assert formatter.lines(unrouted, now=NOW) == [f"{NOW} POST /nowhere 403 3 ms -"]


def test_given_a_powertools_json_line_when_formatted_then_time_level_function_message_and_its_own_keys_only():
    line = powertools_line("IndexerFunction", records=19, failed=0)

    printed = ConsoleFormatter().lines(line, now=NOW)

    when = local_clock("2026-12-06 10:06:01,313+0000")
    assert printed == [f"{when} INFO  IndexerFunction batch indexed  records=19 failed=0"]


def test_given_a_long_extra_value_when_formatted_then_it_is_shortened_on_one_line():
    line = powertools_line("SearchFunction", message="searched", query="kettle " * 40)

    (printed,) = ConsoleFormatter().lines(line, now=NOW)

    assert "query=kettle kettle" in printed
    assert printed.endswith("…")
    assert len(printed) < 160


def test_given_an_exception_record_when_formatted_then_the_message_and_the_whole_traceback_are_printed():
    line = powertools_line(
        "CreateOrderFunction",
        level="ERROR",
        message="checkout failed",
        exception=TRACEBACK,
        exception_name="ValueError",
        order_id="ord-1",
    )

    printed = ConsoleFormatter().lines(line, now=NOW)

    when = local_clock("2026-12-06 10:06:01,313+0000")
    assert printed == [
        f"{when} ERROR CreateOrderFunction checkout failed  order_id=ord-1",
        "    Traceback (most recent call last):",
        '      File "/var/task/app.py", line 40, in lambda_handler',
        "        order = place(cart)",
        "    ValueError: the cart is empty",
    ]


def test_given_an_unhandled_error_as_lambda_logs_it_when_formatted_then_its_traceback_follows_indented():
    formatter = ConsoleFormatter()
    lines = [
        "[CreateOrderFunction] [ERROR] ValueError: the cart is empty",
        "[CreateOrderFunction] Traceback (most recent call last):",
        '[CreateOrderFunction]   File "/var/task/app.py", line 40, in lambda_handler',
        "[CreateOrderFunction]     order = place(cart)",
    ]

    printed = [out for line in lines for out in formatter.lines(line, now=NOW)]

    assert printed == [
        f"{NOW} ERROR CreateOrderFunction ValueError: the cart is empty",
        "    Traceback (most recent call last):",
        '      File "/var/task/app.py", line 40, in lambda_handler',
        "        order = place(cart)",
    ]


def test_given_a_record_of_the_root_logger_in_lambdas_text_format_when_formatted_then_level_and_message():
    line = "[HealthFunction] [WARNING]\t2026-12-06T10:06:01.313Z\t7fec2ad7\tslow table"

    assert ConsoleFormatter().lines(line, now=NOW) == [f"{NOW} WARNING HealthFunction slow table"]


def test_given_metrics_blobs_access_lines_and_sams_start_up_listing_when_formatted_then_none_is_printed():
    formatter = ConsoleFormatter()
    noise = [
        EMF_BLOB,
        WERKZEUG_LINE,
        '127.0.0.1 - - [06/Dec/2026 10:06:00] "GET /health HTTP/1.1" 200 -',
        "Mounting ListProductsFunction at http://127.0.0.1:3000/products [GET]",
        "WARNING samcli.lib.providers.api_collector: \x1b[33m",
        "AWS SAM CLI does not guarantee 100% fidelity between authorizers locally ",
        "and authorizers deployed on AWS.",
        "\x1b[0m",
    ]

    assert [out for line in noise for out in formatter.lines(line, now=NOW)] == []
    # What follows SAM's notice is printed again.
    assert formatter.lines("API ready on http://127.0.0.1:3000", now=NOW) == ["API ready on http://127.0.0.1:3000"]


def test_given_a_function_printing_plain_text_when_formatted_then_it_is_shown_with_time_and_function():
    line = "[ApiFunction] 3f2a Task timed out after 2.00 seconds"

    assert ConsoleFormatter().lines(line, now=NOW) == [
        f"{NOW}       ApiFunction 3f2a Task timed out after 2.00 seconds"
    ]


def test_given_verbose_when_formatted_then_every_line_passes_as_it_came_and_request_records_are_still_readable():
    formatter = ConsoleFormatter(verbose=True)
    raw = [EMF_BLOB, WERKZEUG_LINE, powertools_line("IndexerFunction"), "Mounting F at http://h/p [GET]"]

    assert [out for line in raw for out in formatter.lines(line, now=NOW)] == raw
    record = request_record("GET", "/health", 200, 5.0, "HealthFunction")
    assert formatter.lines(record, now=NOW) == [f"{NOW} GET /health 200 5 ms HealthFunction"]


def test_given_a_console_when_a_process_output_and_log_records_arrive_then_each_printed_line_is_one_write():
    written: list[str] = []
    console = Console(ConsoleFormatter(), written.append)
    handler = ConsoleHandler(console)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tests.devstack.console")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        console.feed(EMF_BLOB)
        console.feed(request_record("GET", "/cart", 200, 7.0, "GetCartFunction"))
        logger.warning("batch given up")
    finally:
        logger.removeHandler(handler)

    assert len(written) == 2
    assert re.fullmatch(r"\d\d:\d\d:\d\d GET /cart 200 7 ms GetCartFunction", written[0])
    assert written[1] == "WARNING tests.devstack.console: batch given up"


def test_given_a_running_stack_when_requests_are_made_then_its_console_shows_one_line_each_and_no_raw_json(tmp_path):
    with running_stack(tmp_path) as stack:
        listed = requests.get(f"{stack.url}/products", timeout=30)
        assert listed.status_code == 200, listed.text
        body = {"name": "Copper Kettle", "category": "kitchen", "price_cents": 2999, "stock": 5}
        created = requests.post(
            f"{stack.url}/products", json=body, headers=stack.auth("admin-1", ["admin"]), timeout=30
        )
        assert created.status_code == 201, created.text

        expected = [
            r"^\d\d:\d\d:\d\d GET /products 200 \d+ ms ListProductsFunction$",
            # API Gateway's user-pool authorizer runs no function: the line names only the route's.
            r"^\d\d:\d\d:\d\d POST /products 201 \d+ ms CreateProductFunction$",
            # The stream trigger's invocation of the indexer, through Lambda's Invoke API.
            r"^\d\d:\d\d:\d\d invoke IndexerFunction 200 \d+ ms$",
            r"^\d\d:\d\d:\d\d INFO +IndexerFunction batch indexed .*records=1",
        ]
        deadline = time.monotonic() + 30
        while not all(
            re.search(pattern, console := stack.log.read_text(errors="replace"), re.M) for pattern in expected
        ):
            assert time.monotonic() < deadline, console[-4000:]
            time.sleep(0.2)

    assert '"_aws"' not in console  # metrics blobs hidden
    assert "werkzeug" not in console
    assert '"function_request_id"' not in console  # Powertools records shown as short lines
