"""The catalog's OpenSearch index: its definition, versioned bulk writes and alias swaps (searches: shop.search.query).

Readers and writers only ever name the alias `products`; it points at one concrete index
`products-v<N>`, so a rebuild fills a new index and swaps the alias in one atomic call.
Documents carry the product's own `version` as their external version: OpenSearch refuses a write
whose version is not newer than the stored one, so replayed or late stream records can never
overwrite newer data, and a delete (written at version + 1) is not undone by an older update.
"""

from collections.abc import Iterator
from typing import Any

from shop.catalog.models import Product
from shop.common.clients import opensearch_client
from shop.common.paging import rfc3339
from shop.search.models import ALIAS, INDEX_PREFIX, IndexProduct, WriteAction, WriteOutcome, index_name

# Bumped when the mapping changes incompatibly; `reindex` moves the alias to the new version.
MAPPING_VERSION = 1
# Bulk payloads stay well under the 10 MiB request limit of the smallest OpenSearch instance types.
MAX_BULK_BYTES = 5 * 1024 * 1024
MAX_BULK_ACTIONS = 5000

_TEXT = {"type": "text", "analyzer": "product_text"}
# Unstemmed twin of a text field: fuzzy matching works on what people typed, not on stems
# ("wireles" would stem to "wirel" and match "wired" first).
_PLAIN = {"type": "text", "analyzer": "product_plain"}

INDEX_BODY: dict[str, Any] = {
    "settings": {
        "index": {
            "number_of_shards": 1,
            # A replica wherever a second node exists (zone awareness), none on a one-node domain.
            "auto_expand_replicas": "0-1",
            # Documents become searchable within half a second of the write.
            "refresh_interval": "500ms",
            # How long a delete's version is remembered, so that an older write arriving later is
            # refused instead of recreating the document: longer than the stream trigger keeps a record
            # (MaximumRecordAgeInSeconds, 1 h) and than a reconcile takes. The default is 60 s.
            "gc_deletes": "2h",
        },
        "analysis": {
            # "Chef's" indexes as "chef". A char filter rather than the possessive_english stemmer,
            # which the local emulator mishandles (its queries then match every document).
            "char_filter": {
                "possessive": {"type": "pattern_replace", "pattern": "(\\w)['’]s\\b", "replacement": "$1"},
            },
            "filter": {
                "english_stop": {"type": "stop", "stopwords": "_english_"},
                "english_stemmer": {"type": "stemmer", "language": "english"},
            },
            "analyzer": {
                "product_text": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "char_filter": ["possessive"],
                    "filter": ["lowercase", "asciifolding", "english_stop", "english_stemmer"],
                },
                "product_plain": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "char_filter": ["possessive"],
                    "filter": ["lowercase", "asciifolding"],
                },
            },
        },
    },
    "mappings": {
        # Strict: a field the mapping does not know is a rejected write, never a guessed type.
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "name": {**_TEXT, "fields": {"plain": _PLAIN, "keyword": {"type": "keyword", "ignore_above": 256}}},
            "description": {**_TEXT, "fields": {"plain": _PLAIN}},
            "category": {"type": "keyword", "fields": {"text": _TEXT, "plain": _PLAIN}},
            "brand": {"type": "keyword", "fields": {"text": _TEXT, "plain": _PLAIN}},
            "tags": {"type": "keyword", "fields": {"text": _TEXT, "plain": _PLAIN}},
            "price_cents": {"type": "long"},
            "currency": {"type": "keyword"},
            "stock": {"type": "long"},
            "in_stock": {"type": "boolean"},
            "created_at": {"type": "date"},
            "updated_at": {"type": "date"},
            "version": {"type": "long"},
        },
    },
}


def document_of(product: Product) -> dict[str, Any]:
    """The indexed form of a product: its fields plus what filters need precomputed."""
    document = product.model_dump(mode="json")
    document["created_at"] = rfc3339(product.created_at)
    document["updated_at"] = rfc3339(product.updated_at)
    document["in_stock"] = product.stock > 0
    return document


def product_of(source: dict[str, Any]) -> Product:
    return Product.model_validate({name: value for name, value in source.items() if name != "in_stock"})


def _bulk_action(action: WriteAction, target: str) -> dict[str, Any]:
    header = {
        "_index": target,
        "_id": action.product_id,
        "version": action.version,
        "version_type": "external",
    }
    if isinstance(action, IndexProduct):
        return {"_op_type": "index", **header, "_source": document_of(action.product)}
    return {"_op_type": "delete", **header}


def _outcome_of(operation: str, status: int, error: Any) -> WriteOutcome:
    # A version conflict means the index already holds this version or a newer one: done.
    if status == 409:
        return WriteOutcome(True, status)
    # Deleting what is not there leaves the index as it should be. A 404 *with* an error is another
    # matter: the index itself is missing (index_not_found_exception), and nothing was deleted.
    if operation == "delete" and status == 404 and not error:
        return WriteOutcome(True, status)
    if 200 <= status < 300:
        return WriteOutcome(True, status)
    reason = error.get("reason", "") if isinstance(error, dict) else str(error or "")
    kind = error.get("type", "") if isinstance(error, dict) else ""
    return WriteOutcome(False, status, f"{kind}: {reason}" if kind else reason)


class SearchIndex:
    """The products index behind its alias. Every call goes through the per-container client."""

    def __init__(self, alias: str = ALIAS) -> None:
        self.alias = alias
        self._ensured = False

    def ensure_once(self) -> None:
        """`ensure`, at most once per container that succeeds at it."""
        if not self._ensured:
            self.ensure()
            self._ensured = True

    def ensure(self) -> str:
        """Create the current mapping version behind the alias unless the alias exists; idempotent."""
        from opensearchpy.exceptions import RequestError

        client = opensearch_client()
        if client.indices.exists_alias(name=self.alias):
            return self.current_index()
        name = index_name(MAPPING_VERSION)
        try:
            client.indices.create(index=name, body={**INDEX_BODY, "aliases": {self.alias: {}}})
        except RequestError as error:
            # Another container created it first.
            if error.error != "resource_already_exists_exception":
                raise
            if not client.indices.exists_alias(name=self.alias):
                client.indices.put_alias(index=name, name=self.alias)
        return name

    def current_index(self) -> str:
        aliases = opensearch_client().indices.get_alias(name=self.alias)
        return str(next(iter(aliases)))

    def create_index(self, name: str) -> None:
        opensearch_client().indices.create(index=name, body=INDEX_BODY)

    def swap_alias(self, to_index: str) -> str | None:
        """Point the alias at `to_index` in one atomic request; return the index it left."""
        client = opensearch_client()
        previous = self.current_index() if client.indices.exists_alias(name=self.alias) else None
        actions: list[dict[str, Any]] = [{"add": {"index": to_index, "alias": self.alias}}]
        if previous is not None and previous != to_index:
            actions.insert(0, {"remove": {"index": previous, "alias": self.alias}})
        client.indices.update_aliases(body={"actions": actions})
        return previous

    def delete_index(self, name: str) -> None:
        opensearch_client().indices.delete(index=name)

    def indices(self) -> list[str]:
        return sorted(opensearch_client().indices.get(index=f"{INDEX_PREFIX}*").keys())

    def write(self, actions: list[WriteAction], target: str | None = None) -> list[WriteOutcome]:
        """Apply the actions with as few bulk requests as their size allows.

        Returns one outcome per action, in order. Nothing raises for a failed item: the caller
        decides what a failure means for the record it came from.
        """
        from opensearchpy.exceptions import TransportError
        from opensearchpy.helpers import streaming_bulk

        if not actions:
            return []
        if target is None:
            try:
                self.ensure_once()
            except TransportError as error:  # includes connection errors and timeouts
                return [WriteOutcome(False, "unreachable", f"cannot reach the index: {error}")] * len(actions)
        results = streaming_bulk(
            opensearch_client(),
            (_bulk_action(action, target or self.alias) for action in actions),
            chunk_size=MAX_BULK_ACTIONS,
            max_chunk_bytes=MAX_BULK_BYTES,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=0,
            # Writing through the alias only: a missing alias must fail, not auto-create an index
            # with guessed mappings.
            require_alias=target is None,
        )
        outcomes: list[WriteOutcome] = []
        for _, item in results:
            operation, result = next(iter(item.items()))
            status = result.get("status")
            if not isinstance(status, int):
                # The request itself failed (connection refused, timeout): every item in it is unwritten.
                outcomes.append(WriteOutcome(False, "unreachable", str(result.get("error", ""))))
                continue
            outcomes.append(_outcome_of(operation, status, result.get("error")))
        return outcomes

    def document_versions(self, target: str | None = None, page_size: int = 1000) -> Iterator[tuple[str, int]]:
        """(id, version) of every document, in id order: for reconciling the index with the table."""
        client = opensearch_client()
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": page_size,
                "sort": [{"id": "asc"}],
                "_source": ["version"],
                "query": {"match_all": {}},
            }
            if after is not None:
                body["search_after"] = after
            hits = client.search(index=target or self.alias, body=body)["hits"]["hits"]
            for hit in hits:
                yield hit["_id"], int(hit["_source"]["version"])
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]

    def versions_of(self, product_ids: list[str]) -> dict[str, int]:
        """The indexed version of each of these products that has a document."""
        if not product_ids:
            return {}
        response = opensearch_client().mget(index=self.alias, body={"ids": product_ids}, params={"_source": "version"})
        return {doc["_id"]: int(doc["_source"]["version"]) for doc in response["docs"] if doc.get("found")}

    def refresh(self, target: str | None = None) -> None:
        opensearch_client().indices.refresh(index=target or self.alias)
