"""Run by scripts/bench_artifact.run_probe in a fresh interpreter (`python -s -c <this file> <spec>`), in a function's
task root: what a cold start does, timed. Standard library only before the handler's own imports.

spec (JSON): path (sys.path head: the task root, the layer), handlers (modules to import, by file in the task root
for the first, as Lambda's runtime does), event (a file: invoke the first handler's lambda_handler on it once),
statement (instead of handlers: code to run, the floor), watch (path prefixes: report modules compiled from source
there rather than loaded from bytecode).
Prints one JSON line last: import and first-request seconds, the response's status, modules compiled from source.
"""

import json
import sys
import time

started = time.perf_counter()
spec = json.loads(sys.argv[1])
sys.path[:0] = spec["path"]
compiled: list[str] = []
loaded_bytecode = [0]
if spec["watch"]:
    # Source compiles go through SourceLoader.source_to_code; bytecode loads never do. Counting both shows the
    # watch saw the imports at all (a watch that sees nothing proves nothing).
    import _frozen_importlib_external as external

    prefixes = tuple(spec["watch"])
    compile_source = external.SourceLoader.source_to_code
    get_code = external.SourceLoader.get_code

    def recording_compile(self, data, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).startswith(prefixes):
            compiled.append(str(path))
        return compile_source(self, data, path, *args, **kwargs)

    def counting_get_code(self, fullname):  # type: ignore[no-untyped-def]
        code = get_code(self, fullname)
        if str(self.get_filename(fullname)).startswith(prefixes):
            loaded_bytecode[0] += 1
        return code

    external.SourceLoader.source_to_code = recording_compile
    external.SourceLoader.get_code = counting_get_code


class Context:
    function_name = "bench"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench:live"
    memory_limit_in_mb = 512
    aws_request_id = "8f1d0a5e-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2026/12/06/[1]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


modules = []
if spec["statement"]:
    exec(spec["statement"])  # the floor's statement, written by scripts/bench.py
for name in spec["handlers"]:
    import importlib

    modules.append(importlib.import_module(name))
imported = time.perf_counter()
calls: list[list[str]] = [[], []]  # DynamoDB (and other AWS) operations of the first and the second request
if "botocore.client" in sys.modules:  # imported at init by X-Ray's patch: wrapping it now costs nothing
    base_client = sys.modules["botocore.client"].BaseClient
    make_api_call = base_client._make_api_call

    def counting_api_call(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        calls[1 if answered_first else 0].append(operation_name)
        return make_api_call(self, operation_name, api_params)

    base_client._make_api_call = counting_api_call
answered_first = False
status = None
if spec["event"]:
    with open(spec["event"], encoding="utf-8") as file:
        event = json.load(file)
    response = modules[0].lambda_handler(event, Context())
    status = response.get("statusCode") if isinstance(response, dict) else None
    if status is None and isinstance(response, dict):
        status = response.get("policyDocument", {}).get("Statement", [{}])[0].get("Effect")
answered = time.perf_counter()
cpu = time.process_time()  # this process's CPU seconds so far: what the machine's load barely changes
answered_first = True
if spec["event"]:
    modules[0].lambda_handler(event, Context())  # a warm request: clients and caches in place
warm = time.perf_counter()
print(
    json.dumps(
        {
            "import": imported - started,
            "first_request": answered - imported,
            "second_request": warm - answered,
            "answered_at": answered,
            "cpu": cpu,
            "calls": calls,
            "status": status,
            "compiled": compiled,
            "loaded_bytecode": loaded_bytecode[0],
        }
    )
)
