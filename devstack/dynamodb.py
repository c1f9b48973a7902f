"""The local DynamoDB: moto in server mode, serving one request at a time and counting them.

Why one at a time: moto's server runs each request on a thread of its own with no lock around the
backend (moto 5.2.5 locks only the lookup of the app), so a condition check and the write it guards can
interleave with another request's. Worse, a cancelled TransactWriteItems rolls back by restoring a copy of
every table it touched taken when it started, which erases whatever concurrent requests wrote meanwhile.
DynamoDB makes each single-item write and each transaction atomic; serialising requests gives the local
stack the same guarantee (tests/devstack/test_dynamodb.py shows the difference).

And one copy made cheap: to roll a transaction back, moto deep-copies each table it touches before it
starts, stream records included, so every transaction costs time in proportion to all writes so far
(hundreds of ms after a few thousand, all under the lock). Stream records never change once written, so
the copy shares them (`_share_stream_records`); a rollback still restores the list as it was.

Counts: `GET /_devstack/requests` answers {"<X-Amz-Target>": count, ...} since start, keyed by the whole
target, service prefix included (`DynamoDB_20120810.GetItem`, `DynamoDBStreams_20120810.GetRecords`): the
same server answers the stream trigger's polling, which is no API request's round trip, and the prefix is
what tells them apart. `GET /_devstack/requests?table=<name>` counts only the requests that name that table
(`TableName`, a batch's `RequestItems`, a transaction's items): the event consumers' writes to their own tables,
made while an API request runs, are then not counted as its round trips. `make bench` reads it to count round
trips per API request.
"""

import copy
import io
import json
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

COUNTS_PATH = "/_devstack/requests"


class SerialisedApp:
    """WSGI middleware: one request inside the wrapped app at a time, counted by X-Amz-Target."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.counts_by_table: dict[str, Counter[str]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == COUNTS_PATH:
            table = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("table", [None])[0]
            with self._lock:
                counts = self.counts if table is None else self.counts_by_table.get(table, Counter())
                body = json.dumps(dict(counts)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        operation = environ.get("HTTP_X_AMZ_TARGET", "") or "other"
        request = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(request)
        with self._lock:
            self.counts[operation] += 1
            for table in tables_named(request):
                self.counts_by_table.setdefault(table, Counter())[operation] += 1
            # The body is read inside the lock too: a lazy iterable could still be running the backend.
            return list(self._app(environ, start_response))


def tables_named(request: bytes) -> set[str]:
    """The tables a DynamoDB (or DynamoDB Streams) JSON request names; none for a body that is not such JSON."""
    try:
        document = json.loads(request or b"{}")
    except ValueError:
        return set()
    if not isinstance(document, dict):
        return set()
    tables = {document["TableName"]} if isinstance(document.get("TableName"), str) else set()
    tables.update(name for name in document.get("RequestItems") or {} if isinstance(name, str))
    for item in document.get("TransactItems") or []:
        for part in item.values() if isinstance(item, dict) else []:
            if isinstance(part, dict) and isinstance(part.get("TableName"), str):
                tables.add(part["TableName"])
    return tables


def _copy_shard_sharing_records(shard: StreamShard, memo: dict[int, Any]) -> StreamShard:
    clone = StreamShard.__new__(StreamShard)
    memo[id(shard)] = clone
    clone.__dict__.update(shard.__dict__)
    clone.table = copy.deepcopy(shard.table, memo)  # the table copy being made (already in memo)
    clone.items = list(shard.items)
    return clone


def _share_stream_records() -> None:
    StreamShard.__deepcopy__ = _copy_shard_sharing_records  # type: ignore[attr-defined]


def _keep_stream_shards_across_rollbacks() -> None:
    """A rolled-back transaction leaves each table's stream shard the same object, minus its records.

    moto's rollback puts back the table copies, whose shards are copies too, while every open shard
    iterator (the stream trigger's) still points at the shard it was made from: no record written
    after a cancelled transaction would ever reach them. DynamoDB's iterators are positions in one
    stream, so here the live shard goes back into the restored table, with the records the cancelled
    transaction appended removed.
    """
    transact_write_items = DynamoDBBackend.transact_write_items
    if getattr(transact_write_items, "keeps_stream_shards", False):
        return

    def transact_write_items_keeping_shards(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            transact_write_items(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                restored = self.tables.get(name)
                if restored is not None and restored.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = restored
                    restored.stream_shard = shard
            raise

    transact_write_items_keeping_shards.keeps_stream_shards = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items_keeping_shards  # type: ignore[method-assign]


class SerialisedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose app is wrapped in SerialisedApp."""

    def _server_entry(self) -> None:
        _share_stream_records()
        _keep_stream_shards_across_rollbacks()
        self.app = SerialisedApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, self.app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
