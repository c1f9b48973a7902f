"""Keeping the search index equal to the table.

The table is the source of truth. The stream indexer applies each change in version order; the
reconcile and rebuild operations repair or recreate the index from the table, for whatever the
stream could not deliver (the dead-letter queue) and for mapping changes.
"""

from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from shop.catalog.models import MalformedProduct, Product
from shop.search.models import INDEX_PREFIX, DeleteProduct, IndexProduct, WriteAction, index_name
from shop.search.ports import CatalogSource, RebuildableIndex, SearchWriter

Progress = Callable[[int], None]
SCAN_SEGMENTS = 4


def index_changes(changes: list[tuple[str, WriteAction]], index: SearchWriter) -> dict[str, str]:
    """Apply stream changes; return the reason for each record (by id) that was not applied.

    Several records for one product collapse into its newest version, and that one write's outcome
    is every one of those records' outcome: if it failed, they are all retried.
    """
    newest: dict[str, WriteAction] = {}
    records_of: dict[str, list[str]] = {}
    for record_id, action in changes:
        records_of.setdefault(action.product_id, []).append(record_id)
        current = newest.get(action.product_id)
        if current is None or action.version > current.version:
            newest[action.product_id] = action
    actions = list(newest.values())
    failures: dict[str, str] = {}
    for action, outcome in zip(actions, index.write(actions), strict=True):
        if not outcome.ok:
            for record_id in records_of[action.product_id]:
                failures[record_id] = f"{outcome.status} {outcome.reason}".strip()
    return failures


@dataclass
class ReconcileReport:
    indexed: int = 0
    deleted: int = 0
    # Writes the index already had (same or newer version, or nothing to delete).
    unchanged: int = 0
    # Writes the index refused, by product id: retrying may help.
    failed: dict[str, str] = field(default_factory=dict)
    # Table items that are not valid products, by id: left as they are in the index until fixed.
    malformed: dict[str, str] = field(default_factory=dict)

    def add(self, other: "ReconcileReport") -> None:
        self.indexed += other.indexed
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.failed.update(other.failed)
        self.malformed.update(other.malformed)


def _index_items(
    items: Collection[Product | MalformedProduct], index: SearchWriter, target: str | None
) -> ReconcileReport:
    products = [item for item in items if isinstance(item, Product)]
    report = _write([IndexProduct(product) for product in products], index, target)
    report.malformed.update((item.id, item.reason) for item in items if isinstance(item, MalformedProduct))
    return report


def _write(actions: list[WriteAction], index: SearchWriter, target: str | None) -> ReconcileReport:
    report = ReconcileReport()
    for action, outcome in zip(actions, index.write(actions, target), strict=True):
        if not outcome.ok:
            report.failed[action.product_id] = f"{outcome.status} {outcome.reason}".strip()
        elif outcome.status in (404, 409):
            report.unchanged += 1
        elif isinstance(action, DeleteProduct):
            report.deleted += 1
        else:
            report.indexed += 1
    return report


def _delete_orphans(
    document_versions: Iterable[tuple[str, int]],
    table_ids: set[str],
    table: CatalogSource,
    index: SearchWriter,
    target: str | None,
) -> ReconcileReport:
    """Delete documents whose product is not in the table, after checking the table again.

    The second look matters: a product created after the scan passed its place is in the index
    (the stream put it there) but not in `table_ids`, and must stay.
    """
    candidates = {product_id: version for product_id, version in document_versions if product_id not in table_ids}
    if not candidates:
        return ReconcileReport()
    exists = table.get_many(sorted(candidates))
    report = _index_items(exists.values(), index, target)
    gone: list[WriteAction] = [
        DeleteProduct(product_id, version + 1) for product_id, version in candidates.items() if product_id not in exists
    ]
    report.add(_write(gone, index, target))
    return report


def reconcile_products(product_ids: list[str], table: CatalogSource, index: SearchWriter) -> ReconcileReport:
    """Make these products' documents equal to the table: index what exists, delete what does not."""
    wanted = set(product_ids)
    items = table.get_many(sorted(wanted))
    report = _index_items(items.values(), index, None)
    missing = wanted - items.keys()
    if missing:
        report.add(_delete_orphans(index.versions_of(sorted(missing)).items(), set(), table, index, None))
    return report


def reconcile_all(
    table: CatalogSource,
    index: SearchWriter,
    target: str | None = None,
    progress: Progress | None = None,
    segments: int = SCAN_SEGMENTS,
) -> ReconcileReport:
    """Index every product of the table (a parallel scan), then delete documents the table lacks.

    Safe while the stream indexer runs: every write carries the product's version, so whichever
    of the two writes a product last, the newest version stays.
    """
    report = ReconcileReport()
    seen: set[str] = set()

    def copy_segment(segment: int) -> ReconcileReport:
        part = ReconcileReport()
        for page in table.scan_products(segment, segments):
            seen.update(item.id for item in page)
            part.add(_index_items(page, index, target))
            if progress is not None:
                progress(len(page))
        return part

    with ThreadPoolExecutor(max_workers=segments) as pool:
        for part in pool.map(copy_segment, range(segments)):
            report.add(part)
    report.add(_delete_orphans(index.document_versions(target), seen, table, index, target))
    return report


class RebuildAborted(Exception):
    """The copy into the new index failed for some products: the alias and old index are unchanged."""

    def __init__(self, index: str, copied: ReconcileReport) -> None:
        super().__init__(
            f"{len(copied.failed)} products could not be copied into {index}; it was dropped and the alias "
            "left where it was"
        )
        self.index = index
        self.copied = copied


@dataclass(frozen=True)
class RebuildReport:
    index: str
    previous: str | None
    dropped: list[str]
    copied: ReconcileReport
    caught_up: ReconcileReport


def rebuild_index(
    table: CatalogSource,
    index: RebuildableIndex,
    progress: Progress | None = None,
) -> RebuildReport:
    """Fill a new versioned index from the table, swap the alias to it, then catch up.

    Searches keep using the old index until the atomic swap. Stream writes made during the copy
    went to the old index; the catch-up pass re-applies the table to the new one, so nothing
    written meanwhile is lost.
    """
    versions = [int(name.removeprefix(INDEX_PREFIX)) for name in index.indices() if name.startswith(INDEX_PREFIX)]
    target = index_name(max(versions, default=0) + 1)
    index.create_index(target)
    try:
        copied = reconcile_all(table, index, target, progress)
    except BaseException:
        # Never leave a half-filled index behind: the next rebuild would number past it.
        index.delete_index(target)
        raise
    if copied.failed:
        # Swapping would serve an index that lacks these products, and delete the one that has them.
        index.delete_index(target)
        raise RebuildAborted(target, copied)
    # Searchable before searches reach it: with a refresh interval, the last copied documents
    # would otherwise be missing from results for a moment after the swap.
    index.refresh(target)
    previous = index.swap_alias(target)
    caught_up = reconcile_all(table, index)
    # The index just left stays, for a rollback and for searches that resolved the alias before the
    # swap and are still running on it; the ones before it go.
    dropped = [name for name in index.indices() if name.startswith(INDEX_PREFIX) and name not in (target, previous)]
    for name in dropped:
        index.delete_index(name)
    return RebuildReport(index=target, previous=previous, dropped=dropped, copied=copied, caught_up=caught_up)


@dataclass(frozen=True)
class IndexDrift:
    table_count: int
    index_count: int
    missing: list[str]
    extra: list[str]
    stale: list[str]
    malformed: list[str]

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.malformed)


def compare_with_table(table: CatalogSource, index: SearchWriter, segments: int = SCAN_SEGMENTS) -> IndexDrift:
    """Which products the index lacks, holds in excess, or holds at another version than the table."""
    expected: dict[str, int] = {}
    malformed: list[str] = []
    for segment in range(segments):
        for page in table.scan_products(segment, segments):
            expected.update((item.id, item.version) for item in page if isinstance(item, Product))
            malformed.extend(item.id for item in page if isinstance(item, MalformedProduct))
    actual = dict(index.document_versions())
    return IndexDrift(
        table_count=len(expected),
        index_count=len(actual),
        missing=sorted(expected.keys() - actual.keys()),
        extra=sorted(actual.keys() - expected.keys()),
        stale=sorted(pid for pid in expected.keys() & actual.keys() if expected[pid] != actual[pid]),
        malformed=sorted(malformed),
    )
