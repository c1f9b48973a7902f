"""Operate the search index: create it, rebuild it, repair it from the table, or compare the two.

    python -m scripts.search_index [TARGET] ensure
    python -m scripts.search_index [TARGET] reindex
    python -m scripts.search_index [TARGET] reconcile (--all | --ids ID [ID ...] | --from-dlq [QUEUE])
    python -m scripts.search_index [TARGET] check

    TARGET: --local | --stack NAME [--region REGION] | nothing (the environment's configuration)

`--stack` operates a deployed stack, whose domain is reachable only inside its VPC: the script invokes the
stack's SearchAdminFunction (output `SearchAdminFunctionName`), which does the OpenSearch work, and prints its
summary. For `reconcile --from-dlq` the script itself reads the dead-letter queue (output
`IndexerDeadLetterQueueUrl` unless QUEUE is given) and the table's stream, and has the function reconcile
each batch's products.

Without `--stack`, the script does the work itself with the functions' own configuration: TABLE_NAME,
OPENSEARCH_ENDPOINT, OPENSEARCH_AUTH (sigv4 in AWS, with the caller's credentials, which must be mapped to a
security role of the domain) and AWS_REGION; `--local` reads them from the running local stack's
.local/env.json. The table is the source of truth in every command.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "layers" / "shared"))

from shop.catalog.dynamodb import ProductsTable  # noqa: E402
from shop.common.settings import table_settings  # noqa: E402
from shop.search.index import SearchIndex  # noqa: E402
from shop.search.indexing.service import (  # noqa: E402
    RebuildAborted,
    ReconcileReport,
    compare_with_table,
    rebuild_index,
    reconcile_all,
    reconcile_products,
)

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
    return ProductsTable(table_settings().table_name)


def _progress(description: str, total: int) -> tqdm:
    return tqdm(total=total, desc=description, unit="product", file=sys.stderr, disable=None)


def _print_report(report: ReconcileReport) -> int:
    return _print_summary_report(_summary_of(report))


def _print_summary_report(report: dict[str, Any]) -> int:
    return _print_counts(
        report["indexed"], report["deleted"], report["unchanged"], report["failed"], report["malformed"]
    )


def _print_counts(indexed: int, deleted: int, unchanged: int, failed: dict[str, Any], malformed: dict[str, Any]) -> int:
    """One line of counts, then each failed and malformed product with its reason (as many as were listed)."""
    print(
        f"indexed {indexed}, deleted {deleted}, already current {unchanged}, "
        f"failed {failed['count']}, "
        f"malformed in the table {malformed['count']}"
    )
    for label, problems in (("failed", failed), ("malformed", malformed)):
        for product_id, reason in sorted(problems["items"].items()):
            print(f"  {label} {product_id}: {reason}")
        if problems["count"] > len(problems["items"]):
            print(f"  ... and {problems['count'] - len(problems['items'])} more {label}")
    return 1 if failed["count"] or malformed["count"] else 0


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


# Reconciles one dead-lettered batch's products; answers a summary as the admin function does.
Repair = Callable[[list[str]], dict[str, Any]]


def _summary_of(report: ReconcileReport) -> dict[str, Any]:
    return {
        "indexed": report.indexed,
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "failed": {"count": len(report.failed), "items": report.failed},
        "malformed": {"count": len(report.malformed), "items": report.malformed},
    }


def _repair_locally(product_ids: list[str]) -> dict[str, Any]:
    return _summary_of(reconcile_products(product_ids, _table(), SearchIndex()))


def reconcile_dead_letters(queue: str, repair: Repair = _repair_locally) -> int:
    """Re-index the products of every dead-lettered batch; delete each message once it is repaired."""
    import boto3

    from shop.search.indexing.stream_range import StreamRangeExpired, product_ids_in_range

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
        where = f"batch {batch['shardId']} {batch['startSequenceNumber']}..{batch['endSequenceNumber']}: "
        try:
            summary = repair(sorted(product_ids))
        except AdminFunctionFailed as error:
            print(f"{where}{error}")
            status = 1
            continue
        print(where, end="")
        if _print_outcome(summary) == 0:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
        else:
            status = 1
    return status


def reconcile(args: argparse.Namespace) -> int:
    if args.from_dlq is not None:
        if not args.from_dlq:
            raise SystemExit("name the dead-letter queue: --from-dlq QUEUE (its URL or name)")
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
    return _print_drift(
        drift.table_count,
        drift.index_count,
        {label: {"count": len(ids), "ids": ids} for label, ids in _drift_kinds(drift).items()},
    )


def _drift_kinds(drift: Any) -> dict[str, list[str]]:
    return {"missing": drift.missing, "extra": drift.extra, "stale": drift.stale, "malformed": drift.malformed}


def _print_drift(table_count: int, index_count: int, kinds: dict[str, dict[str, Any]]) -> int:
    print(
        f"table {table_count}, index {index_count}: "
        f"missing {kinds['missing']['count']}, extra {kinds['extra']['count']}, stale {kinds['stale']['count']}, "
        f"malformed in the table {kinds['malformed']['count']}"
    )
    for label in ("missing", "extra", "stale", "malformed"):
        for product_id in kinds[label]["ids"][:20]:
            print(f"  {label} {product_id}")
    return 0 if all(kind["count"] == 0 for kind in kinds.values()) else 1


# --- A deployed stack: the work runs in its SearchAdminFunction, inside the domain's VPC ---

# Lambda runs an invocation for at most 15 minutes; the client waits a little longer for the answer.
INVOKE_READ_TIMEOUT_SECONDS = 15 * 60 + 60
ADMIN_FUNCTION_OUTPUT = "SearchAdminFunctionName"
DEAD_LETTER_QUEUE_OUTPUT = "IndexerDeadLetterQueueUrl"


class AdminFunctionFailed(Exception):
    """The function raised, timed out, or could not be invoked: nothing it did is known from here."""


class StackAdmin:
    """The SearchAdminFunction of a deployed stack, found through the stack's outputs."""

    def __init__(self, stack_name: str) -> None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
        except (BotoCoreError, ClientError) as error:
            raise SystemExit(f"cannot read stack {stack_name!r}: {error}") from error
        self.stack_name = stack_name
        self.outputs: dict[str, str] = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        self.function_name = self.output(ADMIN_FUNCTION_OUTPUT)

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise SystemExit(f"stack {self.stack_name!r} has no output {key}: is it deployed with SearchAdminFunction?")
        return self.outputs[key]

    def invoke(self, payload: dict[str, Any]) -> dict[str, Any]:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        # One attempt only: a retried invoke after a read timeout would run a second reindex beside the first.
        config = Config(
            read_timeout=INVOKE_READ_TIMEOUT_SECONDS,
            connect_timeout=10,
            retries={"total_max_attempts": 1},
            tcp_keepalive=True,
        )
        client = boto3.client("lambda", config=config)
        print(f"{payload['action']}: invoking {self.function_name} (up to 15 minutes)...", file=sys.stderr)
        try:
            response = client.invoke(
                FunctionName=self.function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
        except (BotoCoreError, ClientError) as error:
            raise AdminFunctionFailed(f"cannot invoke {self.function_name}: {error}") from error
        answer = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            detail = answer if isinstance(answer, dict) else {}
            raise AdminFunctionFailed(
                f"{self.function_name} failed: {detail.get('errorType', response['FunctionError'])}: "
                f"{detail.get('errorMessage', answer)}"
            )
        if not isinstance(answer, dict):
            raise AdminFunctionFailed(f"{self.function_name} answered {answer!r}, not a summary")
        return answer


def _print_failure(summary: dict[str, Any]) -> int:
    print(f"{summary.get('action', 'request')} failed ({summary['error']}): {summary.get('message', '')}")
    if "copied" in summary:
        print("copied before it stopped: ", end="")
        _print_summary_report(summary["copied"])
    return 1


def _print_outcome(summary: dict[str, Any]) -> int:
    return _print_failure(summary) if "error" in summary else _print_summary_report(summary)


def remote_ensure(admin: StackAdmin) -> int:
    summary = admin.invoke({"action": "ensure"})
    if "error" in summary:
        return _print_failure(summary)
    print(f"alias {summary['alias']} -> {summary['index']}")
    return 0


def remote_reindex(admin: StackAdmin) -> int:
    summary = admin.invoke({"action": "reindex"})
    if "error" in summary:
        return _print_failure(summary)
    print(f"alias now -> {summary['index']} (was {summary['previous'] or 'none'}, kept for a rollback)")
    if summary["dropped"]:
        print(f"dropped older indices: {', '.join(summary['dropped'])}")
    print("copy:     ", end="")
    status = _print_summary_report(summary["copied"])
    print("catch-up: ", end="")
    return max(status, _print_summary_report(summary["caught_up"]))


def _remote_reconcile_ids(admin: StackAdmin, product_ids: list[str]) -> dict[str, Any]:
    """One summary for these products, however many invocations they take; the first error ends it."""
    from shop.search.administration.service import MAX_RECONCILE_IDS

    total: dict[str, Any] = _summary_of(ReconcileReport())
    for start in range(0, len(product_ids), MAX_RECONCILE_IDS):
        summary = admin.invoke({"action": "reconcile", "ids": product_ids[start : start + MAX_RECONCILE_IDS]})
        if "error" in summary:
            return summary
        for count in ("indexed", "deleted", "unchanged"):
            total[count] += summary[count]
        for kind in ("failed", "malformed"):
            total[kind]["count"] += summary[kind]["count"]
            total[kind]["items"].update(summary[kind]["items"])
    return total


def remote_reconcile(admin: StackAdmin, args: argparse.Namespace) -> int:
    if args.from_dlq is not None:
        queue = args.from_dlq or admin.output(DEAD_LETTER_QUEUE_OUTPUT)
        return reconcile_dead_letters(queue, repair=lambda ids: _remote_reconcile_ids(admin, ids))
    if args.ids:
        return _print_outcome(_remote_reconcile_ids(admin, sorted(set(args.ids))))
    return _print_outcome(admin.invoke({"action": "reconcile"}))


def remote_check(admin: StackAdmin) -> int:
    summary = admin.invoke({"action": "check"})
    if "error" in summary:
        return _print_failure(summary)
    return _print_drift(
        summary["table_count"],
        summary["index_count"],
        {label: summary[label] for label in ("missing", "extra", "stale", "malformed")},
    )


def run_on_stack(args: argparse.Namespace) -> int:
    if args.region:
        # Every client of this run, the stream reader's included, in the stack's region.
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = args.region
    admin = StackAdmin(args.stack)
    try:
        if args.command == "ensure":
            return remote_ensure(admin)
        if args.command == "reindex":
            return remote_reindex(admin)
        if args.command == "reconcile":
            return remote_reconcile(admin, args)
        return remote_check(admin)
    except AdminFunctionFailed as error:
        print(error)
        return 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.search_index", description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", action="store_true", help="use the running local stack (.local/env.json)")
    target.add_argument("--stack", metavar="NAME", help="a deployed stack: run through its SearchAdminFunction")
    parser.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    parser.add_argument("--env-file", type=Path, default=LOCAL_ENV_FILE, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ensure", help="create the index and alias unless they exist")
    commands.add_parser("reindex", help="rebuild into a new index, swap the alias, keep the previous index")
    repair = commands.add_parser("reconcile", help="make the index equal the table")
    scope = repair.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="every product")
    scope.add_argument("--ids", nargs="+", metavar="PRODUCT_ID")
    scope.add_argument(
        "--from-dlq",
        nargs="?",
        const="",
        metavar="QUEUE",
        help="the products of each dead-lettered batch (URL or name; with --stack, the stack's queue by default)",
    )
    commands.add_parser("check", help="compare the index with the table")
    args = parser.parse_args(argv)
    if args.region and not args.stack:
        parser.error("--region goes with --stack")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stack:
        return run_on_stack(args)
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
