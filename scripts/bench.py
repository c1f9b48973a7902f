"""`make bench`: cold starts as Lambda pays them, warm latency of the local stack, then search
(scripts/bench_search.py) and commerce (scripts/bench_commerce.py).

1. Cold start: for every function, a fresh interpreter (the runtime's python3.13) on the deployed artifact laid out
   on this machine (scripts/bench_artifact.py: `make sam-build`'s files and bytecode, this machine's wheels, 1980
   file times, read-only; LAMBDA_TASK_ROOT set, tracing on) imports the handler and invokes it once on its event
   from events/, against the local DynamoDB / OpenSearch / token issuer of a stack the bench starts: init plus
   first request, from the process's start, median of RUNS. Beside it the floor (a bare interpreter importing
   boto3, creating a DynamoDB client and doing one GetItem against the same DynamoDB), measured in the same rounds,
   the same function without bytecode (as SAM's python builder ships). REST routes that need a signed-in user
   have no authorizer function (API Gateway's Cognito authorizer checks the token), so one cold start is the
   whole cold path; the WebSocket authorizer gets a token from the stack's issuer, so it verifies a real one.
2. Warm latency: GET /products/{id} through the local stack (API Gateway emulation, function
   process, moto DynamoDB), REQUESTS requests from CLIENTS concurrent clients, beside a direct
   DynamoDB GetItem of the same item on the same local DynamoDB, same load.

Figures are medians and ratios: this machine is shared and noisy. `python -m scripts.bench cold` (or warm,
search, commerce) runs one part; BENCH_FUNCTIONS=GetProductFunction,... limits the cold starts to some functions.
"""

import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import requests

from devstack.template import load_template
from scripts import bench_cost, bench_dev_loop, bench_events, bench_search, bench_web
from scripts.bench_artifact import IMPORT_ENVIRONMENT, ArtifactTree, built_functions, lay_out, run_probe, thaw
from scripts.bench_commerce import commerce_bench
from scripts.make_events import product_image

REPO_ROOT = Path(__file__).resolve().parent.parent
EVENTS = REPO_ROOT / "events"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "800"))
CLIENTS = 8
# The goal for every API function: init plus first request within this multiple of the floor.
GOAL = 1.3
# Events named otherwise than the function's directory (the search administration has one per action).
EVENT_NAMES = {"search_admin": "search_admin_check"}
FLOOR = (
    "import boto3; boto3.client('dynamodb').get_item(TableName='ShopTable', "
    "Key={'pk': {'S': 'PRODUCT#bench-floor'}, 'sk': {'S': 'PRODUCT'}})"
)


def median_run(runs: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    """The median run by seconds, with its own split, the best run, and every status seen."""
    ordered = sorted(runs, key=lambda run: run[0])
    seconds, report = ordered[len(ordered) // 2]
    statuses = sorted({str(r["status"]) for _, r in runs})
    cpu = sorted(r["cpu"] for _, r in runs)[len(runs) // 2]
    return {**report, "seconds": seconds, "best": ordered[0][0], "cpu": cpu, "statuses": statuses}


def cold_starts_of(
    trees: dict[bool, ArtifactTree], logical_id: str, event: Path, env: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """RUNS rounds of: the floor, the function with bytecode, the function without. Interleaved, so that each
    ratio compares runs from the same minutes of this shared machine's load."""
    runs: dict[str, list[tuple[float, dict[str, Any]]]] = {"floor": [], "bytecode": [], "source": []}
    for _ in range(RUNS):
        floor = run_probe(trees[True], None, statement=FLOOR, environment=env)
        runs["floor"].append((floor.seconds, floor.report))
        for name, tree in (("bytecode", trees[True]), ("source", trees[False])):
            reseed(env)
            result = run_probe(tree, logical_id, event=event, environment=env)
            runs[name].append((result.seconds, result.report))
    return {name: median_run(samples) for name, samples in runs.items()}


def reseed(env: dict[str, str]) -> None:
    """The events' product exists before each run (DeleteProduct's event removes it)."""
    client = boto3.client(
        "dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    client.put_item(TableName=env["TABLE_NAME"], Item=product_image(1, 2999))


def event_for(source: Path, scratch: Path, token: str) -> Path:
    name = EVENT_NAMES.get(source.name, source.name)
    event = EVENTS / f"{name}.json"
    if name != "live_authorizer":
        return event
    # The WebSocket authorizer verifies the `token` query parameter against the stack's issuer.
    document = json.loads(event.read_text())
    document["queryStringParameters"]["token"] = token
    signed = scratch / "live_authorizer.json"
    signed.write_text(json.dumps(document))
    return signed


def milliseconds(figure: dict[str, Any]) -> str:
    split = f"{figure['import'] * 1000:4.0f} + {figure['first_request'] * 1000:4.0f}"
    return f"{figure['seconds'] * 1000:6.0f} ms ({split})"


def cold_starts() -> None:
    from devstack.launcher import running_stack

    template = load_template()
    functions = built_functions(template)
    chosen = os.environ.get("BENCH_FUNCTIONS")
    if chosen:
        functions = {logical_id: functions[logical_id] for logical_id in chosen.split(",")}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "stack").mkdir()
        with running_stack(scratch / "stack") as stack:
            stack_env = json.loads((scratch / "stack" / "env.json").read_text())["Parameters"]
            env = {**IMPORT_ENVIRONMENT, **{name: str(value) for name, value in stack_env.items()}}
            token = stack.token("bench-customer", ["customer"])
            trees = {
                True: lay_out(scratch / "bytecode", functions),
                False: lay_out(scratch / "source", functions, bytecode=False),
            }
            try:
                report(functions, trees, env, scratch, token)
            finally:
                for tree in trees.values():
                    thaw(tree.root)


def report(
    functions: dict[str, Path],
    trees: dict[bool, ArtifactTree],
    env: dict[str, str],
    scratch: Path,
    token: str,
) -> None:
    print(f"\nCold start: init + first request from process start (median of {RUNS}; import + first request)")
    columns = f"{'floor':>7s}   {'bytecode (as shipped)':24s} {'x floor':>7s}   {'no bytecode':24s} x floor"
    print(f"  {'function':28s} {columns}")
    figures = {}
    for logical_id, source in sorted(functions.items()):
        figure = cold_starts_of(trees, logical_id, event_for(source, scratch, token), env)
        figures[logical_id] = figure
        floor, on, off = (figure[name]["seconds"] for name in ("floor", "bytecode", "source"))
        mark = "" if on / floor <= GOAL else " *"
        print(
            f"  {logical_id:28s} {floor * 1000:4.0f} ms   {milliseconds(figure['bytecode']):24s}"
            f" {on / floor:6.2f}x{mark:2s}"
            f" {milliseconds(figure['source']):24s} {off / floor:6.2f}x  {','.join(figure['bytecode']['statuses'])}"
        )
    print("\nThe same in CPU time to the first answer (median; the machine's load barely changes it), and the best")
    print("run's elapsed time (the load only ever adds to it)")
    columns = f"{'floor':>7s}   {'bytecode':>8s} {'x floor':>7s}   {'no bytecode':>11s} {'x floor':>7s}   best x floor"
    print(f"  {'function':28s} {columns}")
    for logical_id, figure in sorted(figures.items()):
        floor, on, off = (figure[name]["cpu"] for name in ("floor", "bytecode", "source"))
        best = figure["bytecode"]["best"] / figure["floor"]["best"]
        print(
            f"  {logical_id:28s} {floor * 1000:4.0f} ms   {on * 1000:5.0f} ms {on / floor:6.2f}x"
            f"   {off * 1000:8.0f} ms {off / floor:6.2f}x   {best:6.2f}x"
        )
    floors = [figure["floor"]["seconds"] for figure in figures.values()]
    print("  floor: a bare python3.13 importing boto3, creating a DynamoDB client, one GetItem (median of the")
    print(f"  medians: {sorted(floors)[len(floors) // 2] * 1000:.0f} ms); * above the goal of {GOAL}x the floor")
    print("\nWarm request in the same process (the second invocation: what a warm request is billed for), and the")
    print("AWS operations of the first and second requests")
    for logical_id, figure in sorted(figures.items()):
        first, second = (", ".join(calls) or "-" for calls in figure["bytecode"]["calls"])
        print(f"  {logical_id:28s} {figure['bytecode']['second_request'] * 1000:6.1f} ms   {first} | {second}")
    bench_cost.report(figures)
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(figures, indent=1))


def under_load(request: callable) -> list[float]:  # type: ignore[valid-type]
    def one(_: int) -> float:
        start = time.perf_counter()
        request()
        return time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, range(CLIENTS * 4)))  # warm every worker and connection first
        return list(pool.map(one, range(REQUESTS)))


def warm_latency() -> None:
    from devstack.launcher import running_stack

    with tempfile.TemporaryDirectory() as state, running_stack(Path(state)) as stack:
        body = {"name": "Bench Kettle", "category": "kitchen", "price_cents": 2999, "stock": 5}
        created = requests.post(f"{stack.url}/products", json=body, headers=stack.auth("bench", ["admin"]), timeout=30)
        product_id = created.json()["id"]
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=CLIENTS, pool_maxsize=CLIENTS)
        session.mount("http://", adapter)

        def via_api() -> None:
            response = session.get(f"{stack.url}/products/{product_id}", timeout=30)
            assert response.status_code == 200, response.text

        dynamodb = boto3.client(
            "dynamodb", endpoint_url=stack.dynamodb_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=boto3.session.Config(max_pool_connections=CLIENTS),
        )  # fmt: skip
        key = {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}}

        def direct() -> None:
            assert "Item" in dynamodb.get_item(TableName="ShopTable", Key=key)

        api_p50, api_p99 = bench_search.p50_p99(under_load(via_api))
        db_p50, db_p99 = bench_search.p50_p99(under_load(direct))
    print(f"\nWarm latency, {REQUESTS} requests from {CLIENTS} concurrent clients")
    print(f"  {'GET /products/{id} via local stack':44s} p50 {api_p50 * 1000:6.1f} ms  p99 {api_p99 * 1000:6.1f} ms")
    print(f"  {'DynamoDB GetItem, same local DynamoDB':44s} p50 {db_p50 * 1000:6.1f} ms  p99 {db_p99 * 1000:6.1f} ms")
    print(f"  ratio (stack / direct): p50 {api_p50 / db_p50:4.1f}x  p99 {api_p99 / db_p99:4.1f}x")


PARTS = {
    "cold": cold_starts,
    "warm": warm_latency,
    "search": bench_search.main,
    "commerce": commerce_bench,
    "events": bench_events.main,
    "web": bench_web.main,
    "devloop": bench_dev_loop.main,
}

if __name__ == "__main__":
    for part in sys.argv[1:] or PARTS:
        PARTS[part]()
