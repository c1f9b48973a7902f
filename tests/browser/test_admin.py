"""The admin console in Chromium, and that it is closed to customers."""

import re

import requests
from playwright.sync_api import Page, expect

from tests.browser.support import TIMEOUT, Api, new_user, sign_in, unique_word


def open_admin(page: Page) -> None:
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("navigation", name="Administration")).to_be_visible()


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def test_given_admin_when_creating_a_product_then_found_in_search_and_its_price_editable(page, web_stack, api):
    word = unique_word()
    name = f"{word} Lantern"
    sign_in(page, web_stack, new_user("admin"), admin=True)
    open_admin(page)
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="New product").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Category", exact=True).fill("outdoor")
    page.get_by_label("Brand", exact=True).fill(f"Nordlys {word}")
    page.get_by_label("Price", exact=True).fill("19.99")
    page.get_by_label("Stock", exact=True).fill("7")
    page.get_by_label("Description", exact=True).fill("A storm lantern for the browser tests.")
    save(page)
    page.wait_for_url(re.compile(r"/admin/products/[0-9a-f-]{36}$"))
    product_id = page.url.rsplit("/", 1)[-1]
    created = api.product(product_id)
    assert (created["name"], created["price_cents"], created["stock"]) == (name, 1999, 7)

    # Indexing follows the table's stream; then the shopper's search box finds it.
    api.wait_until_searchable(word, [product_id])
    box = page.get_by_role("searchbox", name="Search")
    box.fill(word)
    box.press("Enter")
    page.get_by_role("list", name="Search results").get_by_role("link", name=name).click()
    expect(page.get_by_text("$19.99")).to_be_visible()

    # Edit the price from the admin console; the store shows the new one.
    open_admin(page)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_label("Price", exact=True)).to_have_value("19.99")
    page.get_by_label("Price", exact=True).fill("24.50")
    save(page)
    expect(page.get_by_role("status").filter(has_text=re.compile("[Ss]aved"))).to_be_visible()
    assert api.product(product_id)["price_cents"] == 2450
    page.goto(f"{web_stack.web_url}/products/{product_id}")
    expect(page.get_by_text("$24.50")).to_be_visible()


def test_given_placed_order_when_admin_marks_it_shipped_then_its_status_is_shipped(page, web_stack, api):
    product = api.create_product(name=f"{unique_word()} Rope", price_cents=1500, stock=5)
    customer = new_user()
    order = api.place_order(customer, product["id"], quantity=2)
    sign_in(page, web_stack, new_user("admin"), admin=True)
    open_admin(page)
    page.get_by_role("link", name="Fulfilment").click()
    page.get_by_label("Order number").fill(order["id"])
    page.get_by_role("button", name="Open order").click()
    expect(page.get_by_text(re.compile(r"Status:\s*Placed"))).to_be_visible()
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.get_by_text(re.compile(r"Status:\s*Shipped"))).to_be_visible()
    expect(page.get_by_role("button", name="Mark delivered")).to_be_visible()
    assert api.order(customer, order["id"])["status"] == "SHIPPED"


def test_given_customer_then_no_admin_link_and_the_admin_url_refused(page, web_stack, api: Api):
    customer = new_user()
    sign_in(page, web_stack, customer)
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)

    page.goto(f"{web_stack.web_url}/admin/products/new")
    expect(page.get_by_role("alert")).to_contain_text("administrators only")
    expect(page.get_by_label("Name", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    # And the API, which is what protects the data, refuses the customer's token too.
    refused = requests.post(
        f"{web_stack.url}/products",
        json={"name": "Nope", "category": "kitchen", "price_cents": 1, "stock": 1},
        headers=web_stack.auth(customer, []),
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403
