import pytest

from shop.catalog import service as products
from shop.catalog.errors import ProductNotFound, VersionMismatch
from shop.catalog.models import ProductCreate, ProductUpdate
from shop.common.errors import InvalidCursor
from tests.doubles.catalog import FakeProductStore

KEY = b"service-tests-cursor-signing-key-0123456789"


@pytest.fixture
def store():
    return FakeProductStore()


def new_product(store, clock, **fields):
    body = {"name": "Kettle", "category": "kitchen", "price_cents": 2999, "stock": 4, **fields}
    return products.create_product(ProductCreate.model_validate(body), store=store, clock=clock)


def test_given_valid_input_when_creating_then_product_is_stored_at_version_one(store, clock):
    product = new_product(store, clock)
    assert product.version == 1
    assert product.created_at == product.updated_at
    assert store.products[product.id] == product


def test_given_two_creates_then_ids_differ(store, clock):
    assert new_product(store, clock).id != new_product(store, clock).id


def test_given_missing_product_when_getting_then_not_found(store):
    with pytest.raises(ProductNotFound):
        products.get_product("0b4c7a1e-3f6d-4a5b-9c8d-112233445566", store=store)


def test_given_product_when_updating_then_version_increments_and_only_sent_fields_change(store, clock):
    product = new_product(store, clock, brand="Acme")
    updated = products.update_product(product.id, ProductUpdate.model_validate({"stock": 9}), store=store, clock=clock)
    assert (updated.version, updated.stock, updated.brand, updated.name) == (2, 9, "Acme", "Kettle")
    assert updated.updated_at > product.updated_at


def test_given_stale_version_when_updating_then_mismatch_and_nothing_changes(store, clock):
    product = new_product(store, clock)
    products.update_product(product.id, ProductUpdate(stock=1), expected_version=1, store=store, clock=clock)
    with pytest.raises(VersionMismatch) as raised:
        products.update_product(product.id, ProductUpdate(stock=2), expected_version=1, store=store, clock=clock)
    assert raised.value.current == 2
    assert store.products[product.id].stock == 1


def test_given_null_tags_when_updating_then_tags_become_empty(store, clock):
    product = new_product(store, clock, tags=["a"])
    updated = products.update_product(product.id, ProductUpdate.model_validate({"tags": None}), store=store)
    assert updated.tags == []


def test_given_product_when_deleting_twice_then_second_is_not_found(store, clock):
    product = new_product(store, clock)
    products.delete_product(product.id, store=store)
    with pytest.raises(ProductNotFound):
        products.delete_product(product.id, store=store)


def test_given_many_products_when_paging_then_every_product_once_newest_first(store, clock):
    created = [new_product(store, clock, name=f"P{i}") for i in range(7)]
    seen, cursor = [], None
    while True:
        page = products.list_products(cursor_key=KEY, limit=3, cursor=cursor, store=store)
        seen += [p.id for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [p.id for p in reversed(created)]


def test_given_exactly_one_full_page_when_listing_then_no_next_cursor(store, clock):
    for _ in range(3):
        new_product(store, clock)
    page = products.list_products(cursor_key=KEY, limit=3, store=store)
    assert len(page.items) == 3 and page.next_cursor is None


def test_given_category_when_listing_then_only_that_category(store, clock):
    new_product(store, clock, category="toys")
    kitchen = new_product(store, clock, category="kitchen")
    assert [p.id for p in products.list_products(cursor_key=KEY, category="kitchen", store=store).items] == [kitchen.id]


def test_given_cursor_of_other_category_when_listing_then_invalid_cursor(store, clock):
    for _ in range(3):
        new_product(store, clock, category="toys")
    cursor = products.list_products(cursor_key=KEY, category="toys", limit=1, store=store).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        products.list_products(cursor_key=KEY, category="kitchen", cursor=cursor, store=store)


@pytest.mark.parametrize("limit", [0, 101])
def test_given_limit_out_of_range_when_listing_then_value_error(store, limit):
    with pytest.raises(ValueError, match="limit"):
        products.list_products(cursor_key=KEY, limit=limit, store=store)
