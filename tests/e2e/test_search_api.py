"""Search end to end: catalog writes through the API reach GET /search through the table's stream,
the local stream trigger and the indexer; faults heal; the index can be rebuilt while serving."""

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests

from devstack.common import FAKE_CREDENTIALS
from devstack.template import REPO_ROOT

pytestmark = pytest.mark.e2e
SETTLE_SECONDS = 20


def eventually(check: Callable[[], Any], timeout: float = SETTLE_SECONDS) -> Any:
    """Poll until `check` returns something truthy; fail with its last answer otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s; last answer: {answer!r}")
        time.sleep(0.1)


def search(stack, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{stack.url}/search", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def ids_found(stack, **params: Any) -> set[str]:
    return {item["id"] for item in search(stack, limit=100, **params)["items"]}


def create(stack, admin, **fields: Any) -> dict[str, Any]:
    body = {"category": "e2e-search", "price_cents": 1500, "stock": 3, **fields}
    response = requests.post(f"{stack.url}/products", json=body, headers=admin, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def index_tool(stack, *args: str) -> subprocess.CompletedProcess[str]:
    """The operators' tool (scripts/search_index.py) against this test session's stack."""
    command = [sys.executable, "-m", "scripts.search_index", "--local", "--env-file", str(stack.state_dir / "env.json")]
    return subprocess.run([*command, *args], check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def in_sync(stack) -> subprocess.CompletedProcess[str]:
    return index_tool(stack, "check")


def set_write_block(stack, blocked: bool) -> None:
    response = requests.put(
        f"{stack.opensearch_url}/products/_settings", json={"index": {"blocks": {"write": blocked}}}, timeout=10
    )
    assert response.status_code == 200, response.text


def aws_client(stack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def dead_letters(stack) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    sqs = aws_client(stack, "sqs")
    queue_url = sqs.get_queue_url(QueueName="IndexerDeadLetterQueue")["QueueUrl"]

    def peek() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        )
        return [json.loads(message["Body"]) for message in messages]

    yield peek
    # Emptied message by message: SQS refuses a second purge of a queue within 60 s.
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_given_product_created_updated_deleted_through_the_api_then_search_follows_each_step(stack, admin):
    word = f"zephyrine{uuid.uuid4().hex[:8]}"
    product = create(stack, admin, name=f"Wireless Headphones {word}", brand="Sonara")
    eventually(lambda: product["id"] in ids_found(stack, q=word))

    renamed = requests.patch(
        f"{stack.url}/products/{product['id']}", json={"name": "Wireless Earbuds", "price_cents": 999},
        headers=admin, timeout=30,
    )  # fmt: skip
    assert renamed.status_code == 200
    eventually(lambda: product["id"] not in ids_found(stack, q=word))
    hit = eventually(
        lambda: next(
            (
                i
                for i in search(stack, q="earbuds", category="e2e-search", limit=100)["items"]
                if i["id"] == product["id"]
            ),
            None,
        )
    )
    assert hit["price_cents"] == 999 and hit["version"] == 2

    deleted = requests.delete(f"{stack.url}/products/{product['id']}", headers=admin, timeout=30)
    assert deleted.status_code == 204
    eventually(lambda: product["id"] not in ids_found(stack, q="earbuds", category="e2e-search"))


def test_given_a_typo_in_every_word_then_the_product_is_still_found_first(stack, admin):
    category = f"typo-{uuid.uuid4().hex[:8]}"
    wanted = create(stack, admin, name="Wireless Headphones", category=category, brand="Sonara")
    create(stack, admin, name="Wired Headphones", category=category, brand="Acoustix")
    create(stack, admin, name="Cast Iron Skillet", category=category, brand="Forgewell")
    results = eventually(lambda: (r := search(stack, q="wireles headphnes", category=category))["total"] and r)
    assert results["items"][0]["id"] == wanted["id"]
    assert "<em>" in json.dumps(results["items"][0]["highlight"])


@pytest.fixture(scope="module")
def scored_catalog(stack, admin) -> tuple[str, str, set[str]]:
    """13 products that match one made-up word with scores of every kind, in a category of their own."""
    word = f"wavelet{uuid.uuid4().hex[:8]}"
    category = f"paging-{uuid.uuid4().hex[:8]}"
    ids = {
        create(
            stack,
            admin,
            # The word once in every name, more or less diluted; again in some descriptions and tags.
            name=" ".join([*["Wireless"] * (i % 2), word, "Headphones", *["Pro"] * (i % 3)]),
            description=f"{word} " * (i % 4) + "sound " * i,
            tags=[word] if i % 5 == 0 else [],
            category=category,
            brand=f"brand-{i % 3}",
            price_cents=500 * (i % 4),
        )["id"]
        for i in range(13)
    }
    eventually(lambda: search(stack, q=word, category=category, limit=100)["total"] == len(ids))
    return word, category, ids


@pytest.mark.parametrize("sort", ["relevance", "price_asc", "price_desc", "newest"])
def test_given_more_hits_than_a_page_when_loading_more_then_every_hit_once_and_paging_ends(stack, scored_catalog, sort):
    word, category, matching = scored_catalog
    seen: list[str] = []
    params: dict[str, Any] = {"q": word, "category": category, "sort": sort, "limit": 2}
    for _ in range(20):
        page = search(stack, **params)
        assert page["total"] == len(matching)
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    else:
        pytest.fail(f"paging did not end; {len(seen)} hits, {len(set(seen))} distinct")
    assert len(seen) == len(set(seen)) and set(seen) == matching
    # The pages follow the ranking one page of everything gives.
    assert seen == [item["id"] for item in search(stack, q=word, category=category, sort=sort, limit=100)["items"]]


def test_given_a_facet_filter_then_each_facets_counts_add_up_to_the_hits_without_its_own_filter(stack, scored_catalog):
    word, category, matching = scored_catalog
    results = search(stack, q=word, category=category, brand="brand-0")
    facets = results["facets"]
    # Every matching product is in the category, so its facet counts the brand-0 hits: the total.
    assert results["total"] == 5
    assert sum(entry["count"] for entry in facets["category"]) + facets["category_other_count"] == 5
    # The brand facet leaves its own filter out: every matching product, in some brand or none.
    brands = sum(entry["count"] for entry in facets["brand"])
    assert brands + facets["brand_other_count"] + facets["brand_missing_count"] == len(matching)


@pytest.mark.parametrize("q", ["无线耳机无线耳机无线耳机无线耳机无", "ワイヤレスイヤホン 🎧🔥", "无" * 80])
def test_given_chinese_japanese_or_emoji_then_an_answer_not_a_word_limit(stack, q):
    response = requests.get(f"{stack.url}/search", params={"q": q}, timeout=30)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"sort": "cheapest"},
        {"min_price": "-1"},
        {"min_price": "500", "max_price": "100"},
        {"in_stock": "maybe"},
        {"q": "x" * 10_000},
        {"q": " ".join(["word"] * 40)},
        {"q": "无" * 81},
        {"cursor": "not-a-cursor"},
    ],
)
def test_given_bad_search_parameters_then_a_problem_not_a_5xx(stack, params):
    response = requests.get(f"{stack.url}/search", params=params, timeout=30)
    assert response.status_code in (400, 422), response.text
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "q", ['"unbalanced', "a AND (b OR", "\\", '+-=&&||><!(){}[]^"~*?:\\/', "NOT", "😀 ünïcode", "*", "a" * 200]
)
def test_given_query_syntax_in_user_text_then_it_is_searched_as_text(stack, q):
    response = requests.get(f"{stack.url}/search", params={"q": q}, timeout=30)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["total"], int)


def test_given_opensearch_refusing_writes_while_the_catalog_changes_then_afterwards_index_equals_table(stack, admin):
    products = [create(stack, admin, name=f"Fault Lamp {n}") for n in range(6)]
    eventually(lambda: in_sync(stack).returncode == 0)

    set_write_block(stack, True)
    try:
        for product in products[:3]:
            response = requests.patch(
                f"{stack.url}/products/{product['id']}", json={"price_cents": 4321}, headers=admin, timeout=30
            )
            assert response.status_code == 200
        for product in products[3:5]:
            deleted = requests.delete(f"{stack.url}/products/{product['id']}", headers=admin, timeout=30)
            assert deleted.status_code == 204
        added = create(stack, admin, name="Fault Lamp added while refusing")
        time.sleep(2)  # long enough for several failed deliveries, within the trigger's retry budget
        drift = in_sync(stack)
        assert drift.returncode == 1, drift.stdout  # the index really is behind while writes are refused
    finally:
        set_write_block(stack, False)

    checked = eventually(lambda: (result := in_sync(stack)).returncode == 0 and result)
    assert "missing 0, extra 0, stale 0" in checked.stdout
    assert added["id"] in ids_found(stack, q="refusing")


def test_given_a_poison_record_then_it_lands_on_the_dead_letter_queue_and_its_batch_mates_are_indexed(
    stack, admin, dead_letters
):
    table = aws_client(stack, "dynamodb")
    poison_id = str(uuid.uuid4())
    word = f"batchmate{uuid.uuid4().hex[:8]}"
    mates = [str(uuid.uuid4()) for _ in range(3)]

    def item(product_id: str, price: dict[str, str]) -> dict[str, Any]:
        return {
            "pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}, "id": {"S": product_id},
            "name": {"S": f"Poison test {word}"}, "category": {"S": "e2e-search"}, "price_cents": price,
            "currency": {"S": "USD"}, "stock": {"N": "1"}, "tags": {"L": []},
            "created_at": {"S": "2026-11-27T12:00:00.000000Z"}, "updated_at": {"S": "2026-11-27T12:00:00.000000Z"},
            "version": {"N": "1"},
        }  # fmt: skip

    # Written straight to the table, as a buggy writer or a manual edit could: the API would refuse it.
    table.put_item(TableName="ShopTable", Item=item(mates[0], {"N": "100"}))
    table.put_item(TableName="ShopTable", Item=item(poison_id, {"S": "not a price"}))
    for mate in mates[1:]:
        table.put_item(TableName="ShopTable", Item=item(mate, {"N": "100"}))

    eventually(lambda: set(mates) <= ids_found(stack, q=word))
    letters = eventually(dead_letters, timeout=60)
    batch = letters[0]["DDBStreamBatchInfo"]
    assert letters[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert int(batch["startSequenceNumber"]) <= int(batch["endSequenceNumber"])
    assert poison_id not in ids_found(stack, q=word)

    # The runbook: fix or remove the bad item, then reconcile what the dead-letter queue names.
    table.delete_item(TableName="ShopTable", Key={"pk": {"S": f"PRODUCT#{poison_id}"}, "sk": {"S": "PRODUCT"}})
    repaired = index_tool(stack, "reconcile", "--from-dlq", "IndexerDeadLetterQueue")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert dead_letters() == []
    eventually(lambda: in_sync(stack).returncode == 0)


def test_given_a_reindex_under_concurrent_searches_then_every_search_answers_with_the_whole_catalog(stack, admin):
    for n in range(20):
        create(stack, admin, name=f"Reindex Vase {n}", category="e2e-reindex")
    eventually(lambda: search(stack, category="e2e-reindex")["total"] == 20)
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            response = requests.get(f"{stack.url}/search", params={"category": "e2e-reindex"}, timeout=30)
            answers.append((response.status_code, response.json().get("total", -1)))

    searchers = [threading.Thread(target=keep_searching) for _ in range(2)]
    for searcher in searchers:
        searcher.start()
    try:
        rebuilt = index_tool(stack, "reindex")
    finally:
        stop.set()
        for searcher in searchers:
            searcher.join()
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "alias now -> products-v" in rebuilt.stdout
    assert len(answers) > 5
    assert set(answers) == {(200, 20)}
    assert in_sync(stack).returncode == 0


def test_given_writes_refused_longer_than_the_retry_budget_then_reconcile_from_the_dead_letters_restores_the_index(
    stack, admin, dead_letters
):
    product = create(stack, admin, name="Outage Lantern")
    eventually(lambda: in_sync(stack).returncode == 0)

    set_write_block(stack, True)
    try:
        renamed = requests.patch(
            f"{stack.url}/products/{product['id']}", json={"name": "Outage Lantern Deluxe"}, headers=admin, timeout=30
        )
        assert renamed.status_code == 200
        # The trigger's retries run out while writes are refused: the batch's range is dead-lettered.
        letters = eventually(dead_letters, timeout=60)
    finally:
        set_write_block(stack, False)
    assert letters[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert in_sync(stack).returncode == 1  # nothing retries it any more: the index stays stale

    repaired = index_tool(stack, "reconcile", "--from-dlq", "IndexerDeadLetterQueue")

    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert dead_letters() == []
    assert in_sync(stack).returncode == 0
    assert product["id"] in ids_found(stack, q="deluxe")


def test_given_the_last_item_bought_then_search_sees_it_out_of_stock(stack, admin):
    word = f"lastone{uuid.uuid4().hex[:8]}"
    product = create(stack, admin, name=f"Last Teapot {word}", stock=1)
    eventually(lambda: product["id"] in ids_found(stack, q=word, in_stock="true"))
    shopper = stack.auth(f"shopper-{uuid.uuid4().hex[:8]}", [])
    added = requests.put(f"{stack.url}/cart/items/{product['id']}", json={"quantity": 1}, headers=shopper, timeout=30)
    assert added.status_code == 200, added.text
    address = {"name": "A", "line1": "1 Road", "city": "Town", "postal_code": "12345", "country": "DE"}
    ordered = requests.post(
        f"{stack.url}/orders", json={"shipping_address": address},
        headers={**shopper, "Idempotency-Key": str(uuid.uuid4())}, timeout=30,
    )  # fmt: skip
    assert ordered.status_code == 201, ordered.text

    # Checkout bumps the product's version with its stock, so the indexer takes the change.
    eventually(lambda: product["id"] not in ids_found(stack, q=word, in_stock="true"))
    (hit,) = search(stack, q=word)["items"]
    assert (hit["stock"], hit["version"]) == (0, 2)
