"""`make bench`: cold-start import cost per function, warm latency of the local stack, then search
(scripts/bench_search.py).

1. Cold start: a fresh interpreter (the runtime's python3.13, the function's Lambda path: its code,
   the layer, the layer's dependencies) imports the handler module; median of RUNS runs, beside the
   floor of a bare interpreter importing boto3 and creating a DynamoDB client.
2. Warm latency: GET /products/{id} through the local stack (API Gateway emulation, function
   process, moto DynamoDB), REQUESTS requests from CLIENTS concurrent clients, beside a direct
   DynamoDB GetItem of the same item on the same local DynamoDB, same load.

Figures are medians and ratios: this machine is shared and noisy.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import requests

from devstack.template import load_template, resources_of_type
from scripts import bench_search
from scripts.bench_commerce import commerce_bench

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYER_DIRS = [REPO_ROOT / "layers" / "shared", REPO_ROOT / ".build" / "layer-deps"]
FUNCTION_PYTHON = os.environ.get(
    "FUNCTION_PYTHON", str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
)
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "800"))
CLIENTS = 8
IMPORT_ENV = {
    "TABLE_NAME": "bench",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    "CURSOR_SIGNING_KEY": "benchmark-only-cursor-signing-key",
    "JWT_ISSUER": "bench",
    "JWT_AUDIENCE": "bench",
    "JWKS_URL": "http://127.0.0.1/jwks.json",
    "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9200",
    "OPENSEARCH_AUTH": "none",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "shop",
    "POWERTOOLS_METRICS_NAMESPACE": "Shop/bench",
    "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
    # The order events' functions.
    "EVENT_BUS_NAME": "bench",
    "MAIL_FROM": "orders@example.com",
    "ORDER_PLACED_TEMPLATE": "bench-placed",
    "ORDER_STATUS_TEMPLATE": "bench-status",
    "ORDER_CANCELLED_TEMPLATE": "bench-cancelled",
    "USER_POOL_ID": "us-east-1_bench",
    "CONNECTIONS_TABLE_NAME": "bench-connections",
    "WEBSOCKET_MANAGEMENT_ENDPOINT": "https://bench.execute-api.us-east-1.amazonaws.com/live",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:bench",
}
TIMED_IMPORT = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def timed(statement: str, python_path: list[Path], cwd: Path) -> float:
    """Median seconds a fresh interpreter spends running `statement`."""
    # LAMBDA_TASK_ROOT tells Powertools it runs in Lambda: Tracer then patches its clients at init, as it does there
    # (outside Lambda the X-Ray SDK builds AWS clients of its own at import, which Lambda never pays for).
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(map(str, python_path)),
        "LAMBDA_TASK_ROOT": str(cwd),
        **IMPORT_ENV,
    }
    samples = []
    for _ in range(RUNS):
        output = subprocess.run(
            [FUNCTION_PYTHON, "-s", "-c", TIMED_IMPORT.format(statement=statement)],
            env=env, cwd=cwd, capture_output=True, text=True, check=True,
        )  # fmt: skip
        samples.append(float(output.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def cold_starts() -> None:
    floor = timed("import boto3; boto3.client('dynamodb')", LAYER_DIRS, REPO_ROOT)
    print(f"\nCold-start init (median of {RUNS} fresh interpreters, {Path(FUNCTION_PYTHON).name})")
    print(f"  {'floor: import boto3 + DynamoDB client':44s} {floor * 1000:7.0f} ms   1.00x")
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    for logical_id, properties in sorted(functions.items()):
        code = REPO_ROOT / properties["CodeUri"]
        seconds = timed("import app", [code, *LAYER_DIRS], code)
        print(f"  {logical_id:44s} {seconds * 1000:7.0f} ms   {seconds / floor:4.2f}x")


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


if __name__ == "__main__":
    cold_starts()
    warm_latency()
    bench_search.main()
    commerce_bench()
