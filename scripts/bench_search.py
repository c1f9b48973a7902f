"""`make bench`, search part: indexer throughput, write-to-searchable latency, search latency.

1. Indexer throughput: the indexer's handler, in this process, given a 1,000-record stream batch
   of new products, against a fresh local OpenSearch-compatible server (osmem-server). Records per
   second (median of RUNS batches) and the bulk requests each batch took, counted at the client's
   transport. Beside it, the same batch written one request per record, the way a naive indexer does.
2. Write to searchable: on the local stack, PATCH a product's name to a new word, then poll
   GET /search for that word until the product is found; WRITES writes, one after another.
3. Search latency: a typo-tolerant query with facets (`wireles headphnes`) over the seeded demo
   catalog, SEARCHES requests from CLIENTS concurrent clients.

Figures are medians and percentiles, read as ranges: this machine is shared and noisy.
"""

import importlib.util
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from osmem_server import OsmemServer

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "layers" / "shared"))

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BATCH = 1000
WRITES = int(os.environ.get("BENCH_WRITES", "200"))
SEARCHES = int(os.environ.get("BENCH_SEARCHES", "400"))
CLIENTS = 4
QUERY = {"q": "wireles headphnes", "limit": "20"}


def quantile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def p50_p99(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), quantile(samples, 0.99)


def new_products(start: int) -> list[Any]:
    from shop.catalog.models import Product

    return [
        Product(
            id=str(uuid.uuid4()),
            name=f"Benchmark Wireless Headphones {number}",
            description="Over-ear, noise-cancelling, 30 h battery. " * 4,
            category="audio",
            brand=["Sonara", "Wavelength", "Northbeat"][number % 3],
            price_cents=1000 + number,
            currency="USD",
            stock=number % 7,
            tags=["wireless", "bluetooth"],
            created_at="2026-11-27T12:00:00Z",
            updated_at="2026-11-27T12:00:00Z",
            version=1,
        )
        for number in range(start, start + BATCH)
    ]


def stream_batch(products: list[Any]) -> dict[str, Any]:
    """INSERT records for the products, as Lambda delivers them from the table's stream."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    records = []
    for number, product in enumerate(products):
        attributes = {"pk": f"PRODUCT#{product.id}", "sk": "PRODUCT", **product.model_dump(mode="json")}
        image = {name: serializer.serialize(value) for name, value in attributes.items() if value is not None}
        records.append(
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "Keys": {"pk": image["pk"], "sk": image["sk"]},
                    "NewImage": image,
                    "SequenceNumber": f"{number:021d}",
                    "SizeBytes": 700,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026",
            }
        )
    return {"Records": records}


def load_indexer() -> Any:
    code = REPO_ROOT / "functions" / "index_products"
    spec = importlib.util.spec_from_file_location("bench_indexer_app", code / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LambdaContext:
    function_name = "IndexerFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:IndexerFunction"
    aws_request_id = "bench"


def indexer_throughput() -> None:
    with OsmemServer.start(japanese=False) as server:
        os.environ.update({"OPENSEARCH_ENDPOINT": server.url, "OPENSEARCH_AUTH": "none", "AWS_REGION": "us-east-1"})
        os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "shop")
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        # The handler's metrics would print one EMF line per batch between the figures.
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        from shop.common.clients import opensearch_client
        from shop.search.index import SearchIndex, document_of

        indexer = load_indexer()
        transport = opensearch_client().transport
        requests_sent: list[str] = []
        perform_request = transport.perform_request

        def counting(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            requests_sent.append(url)
            return perform_request(method, url, *args, **kwargs)

        transport.perform_request = counting
        rates, bulk_counts = [], []
        for run in range(RUNS):
            event = stream_batch(new_products(run * BATCH))
            requests_sent.clear()
            start = time.perf_counter()
            response = indexer.lambda_handler(event, LambdaContext())
            elapsed = time.perf_counter() - start
            assert response == {"batchItemFailures": []}, response
            rates.append(BATCH / elapsed)
            bulk_counts.append(sum(1 for url in requests_sent if url.endswith("/_bulk")))
        # The naive way, for scale: one index request per record.
        client, naive = opensearch_client(), []
        for run in range(3):
            products = new_products((RUNS + run) * BATCH)
            start = time.perf_counter()
            for product in products:
                client.index(index=SearchIndex().alias, id=product.id, body=document_of(product))
            naive.append(BATCH / (time.perf_counter() - start))
    rate, naive_rate = statistics.median(rates), statistics.median(naive)
    print(f"\nIndexer, {BATCH}-record batch of new products, in-process against osmem-server (median of {RUNS})")
    print(f"  {'records per second':44s} {rate:8.0f}")
    print(f"  {'bulk requests per batch':44s} {statistics.median(bulk_counts):8.0f}")
    print(f"  {'one request per record (naive), records/s':44s} {naive_rate:8.0f}   bulk is {rate / naive_rate:4.1f}x")


def write_to_searchable_and_search_latency() -> None:
    from devstack.launcher import running_stack

    with tempfile.TemporaryDirectory() as state, running_stack(Path(state), seed_count=300) as stack:
        admin = stack.auth("bench", ["admin"])
        session = requests.Session()
        created = session.post(
            f"{stack.url}/products",
            json={"name": "Bench Kettle", "category": "kitchen", "price_cents": 2999, "stock": 5},
            headers=admin,
            timeout=30,
        )
        product_id = created.json()["id"]
        latencies = []
        for write in range(WRITES):
            word = f"benchword{uuid.uuid4().hex[:12]}"
            start = time.perf_counter()
            changed = session.patch(
                f"{stack.url}/products/{product_id}", json={"name": f"Kettle {word}"}, headers=admin, timeout=30
            )
            assert changed.status_code == 200, changed.text
            while True:
                found = session.get(f"{stack.url}/search", params={"q": word}, timeout=30).json()
                if any(item["id"] == product_id for item in found["items"]):
                    break
                if time.perf_counter() - start > 30:
                    raise SystemExit(f"write {write} was not searchable within 30 s")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - start)

        def one_search(_: int) -> float:
            start = time.perf_counter()
            response = requests.get(f"{stack.url}/search", params=QUERY, timeout=30)
            assert response.status_code == 200 and response.json()["facets"]["brand"], response.text
            return time.perf_counter() - start

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(one_search, range(CLIENTS * 4)))
            searches = list(pool.map(one_search, range(SEARCHES)))
    print(f"\nWrite to searchable on the local stack, {WRITES} writes (PATCH, then poll GET /search)")
    print(f"  {'p50 / p95':44s} {quantile(latencies, 0.5) * 1000:6.0f} ms / {quantile(latencies, 0.95) * 1000:6.0f} ms")
    print(f"\nGET /search?q=wireles+headphnes with facets, 300 demo products, {SEARCHES} requests, {CLIENTS} clients")
    print(f"  {'p50 / p95':44s} {quantile(searches, 0.5) * 1000:6.0f} ms / {quantile(searches, 0.95) * 1000:6.0f} ms")


def main() -> None:
    indexer_throughput()
    write_to_searchable_and_search_latency()


if __name__ == "__main__":
    main()
