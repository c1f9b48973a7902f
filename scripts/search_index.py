"""Operate the search index: create it, rebuild it, repair it from the table, or compare the two.

    python -m scripts.search_index [--local] ensure
    python -m scripts.search_index [--local] reindex
    python -m scripts.search_index [--local] reconcile (--all | --ids ID [ID ...] | --from-dlq QUEUE)
    python -m scripts.search_index [--local] check

Configuration is the functions' own: TABLE_NAME, OPENSEARCH_ENDPOINT, OPENSEARCH_AUTH (sigv4 in AWS,
with the caller's credentials) and AWS_REGION. `--local` reads them from the running local stack's
.local/env.json instead. The table is the source of truth in every command.
"""

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "layers" / "shared"))

from shop.adapters.products_table import ProductsTable  # noqa: E402
from shop.adapters.search_index import SearchIndex  # noqa: E402
from shop.services.indexing import (  # noqa: E402
    RebuildAborted,
    ReconcileReport,
    compare_with_table,
    rebuild_index,
    reconcile_all,
    reconcile_products,
)
from shop.settings import catalog_settings  # noqa: E402

LOCAL_ENV_FILE = REPO_ROOT / ".local" / "env.json"


def use_local_stack(env_file: Path) -> None:
    from devstack.common import FAKE_CREDENTIALS

    if not env_file.exists():
        raise SystemExit(f"{env_file} not found: start the local stack first (make dev)")
    parameters: dict[str, str] = json.loads(env_file.read_text())["Parameters"]
    os.environ.update({**parameters, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
    # The local moto server also serves SQS and DynamoDB Streams (env.json names only what functions use).
    endpoint = parameters["AWS_ENDPOINT_URL_DYNAMODB"]
    os.environ.update({"AWS_ENDPOINT_URL_SQS": endpoint, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint})


def _table() -> ProductsTable:
    return ProductsTable(catalog_settings().table_name)


def _progress(description: str, total: int) -> tqdm:
    return tqdm(total=total, desc=description, unit="product", file=sys.stderr, disable=None)


def _print_report(report: ReconcileReport) -> int:
    print(
        f"indexed {report.indexed}, deleted {report.deleted}, already current {report.unchanged}, "
        f"failed {len(report.failed)}, "
        f"malformed in the table {len(report.malformed)}"
    )
    for label, problems in (("failed", report.failed), ("malformed", report.malformed)):
        for product_id, reason in sorted(problems.items()):
            print(f"  {label} {product_id}: {reason}")
    return 1 if report.failed or report.malformed else 0


def ensure() -> int:
    print(f"alias {SearchIndex().alias} -> {SearchIndex().ensure()}")
    return 0


def reindex() -> int:
    table = _table()
    try:
        with _progress("reindex", table.approximate_count()) as bar:
            result = rebuild_index(table, SearchIndex(), progress=bar.update)
    except RebuildAborted as aborted:
        print(f"reindex aborted: {aborted}")
        return _print_report(aborted.copied)
    print(f"alias now -> {result.index} (was {result.previous or 'none'}, kept for a rollback)")
    if result.dropped:
        print(f"dropped older indices: {', '.join(result.dropped)}")
    print("copy:     ", end="")
    status = _print_report(result.copied)
    print("catch-up: ", end="")
    return max(status, _print_report(result.caught_up))


def _dead_letters(sqs: Any, queue_url: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each on-failure message of the queue once, with its receipt handle, until none is left to see.

    Messages stay invisible while we work on them; one that could not be repaired comes back later
    and is not taken twice in one run.
    """
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=900
        ).get("Messages", [])
        fresh = [message for message in messages if message["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield json.loads(message["Body"]), message["ReceiptHandle"]


def reconcile_dead_letters(queue: str) -> int:
    """Re-index the products of every dead-lettered batch; delete each message once it is repaired."""
    import boto3

    from shop.adapters.catalog_stream import StreamRangeExpired, product_ids_in_range

    sqs = boto3.client("sqs")
    queue_url = queue if queue.startswith(("http://", "https://")) else sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    status = 0
    for body, receipt in _dead_letters(sqs, queue_url):
        batch = body.get("DDBStreamBatchInfo")
        if not batch:
            print(f"skipped a message that is not a stream batch: {json.dumps(body)[:200]}")
            status = 1
            continue
        try:
            product_ids = product_ids_in_range(
                batch["streamArn"], batch["shardId"], batch["startSequenceNumber"], batch["endSequenceNumber"]
            )
        except StreamRangeExpired as error:
            print(f"batch {error} has left the stream: run `reconcile --all`, then purge the queue")
            status = 1
            continue
        report = reconcile_products(sorted(product_ids), _table(), SearchIndex())
        print(f"batch {batch['shardId']} {batch['startSequenceNumber']}..{batch['endSequenceNumber']}: ", end="")
        if _print_report(report) == 0:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
        else:
            status = 1
    return status


def reconcile(args: argparse.Namespace) -> int:
    if args.from_dlq:
        return reconcile_dead_letters(args.from_dlq)
    if args.ids:
        return _print_report(reconcile_products(args.ids, _table(), SearchIndex()))
    table = _table()
    with _progress("reconcile", table.approximate_count()) as bar:
        report = reconcile_all(table, SearchIndex(), progress=bar.update)
    return _print_report(report)


def check() -> int:
    """Compare the index with the table; exit 1 and list the differences if they are not equal."""
    drift = compare_with_table(_table(), SearchIndex())
    print(
        f"table {drift.table_count}, index {drift.index_count}: "
        f"missing {len(drift.missing)}, extra {len(drift.extra)}, stale {len(drift.stale)}, "
        f"malformed in the table {len(drift.malformed)}"
    )
    for label, ids in (
        ("missing", drift.missing),
        ("extra", drift.extra),
        ("stale", drift.stale),
        ("malformed", drift.malformed),
    ):
        for product_id in ids[:20]:
            print(f"  {label} {product_id}")
    return 0 if drift.in_sync else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.search_index", description=__doc__.split("\n")[0])
    parser.add_argument("--local", action="store_true", help="use the running local stack (.local/env.json)")
    parser.add_argument("--env-file", type=Path, default=LOCAL_ENV_FILE, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ensure", help="create the index and alias unless they exist")
    commands.add_parser("reindex", help="rebuild into a new index, swap the alias, keep the previous index")
    repair = commands.add_parser("reconcile", help="make the index equal the table")
    scope = repair.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="every product")
    scope.add_argument("--ids", nargs="+", metavar="PRODUCT_ID")
    scope.add_argument("--from-dlq", metavar="QUEUE", help="the products of each dead-lettered batch (URL or name)")
    commands.add_parser("check", help="compare the index with the table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.local:
        use_local_stack(args.env_file)
    if args.command == "ensure":
        return ensure()
    if args.command == "reindex":
        return reindex()
    if args.command == "reconcile":
        return reconcile(args)
    return check()


if __name__ == "__main__":
    sys.exit(main())
