"""axe-core on every page of the app (and the local sign-in page): no serious or critical violations."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import Api, new_user, serious_accessibility_violations, sign_in, sign_in_control, unique_word


def settled(page: Page, heading: str | re.Pattern[str]) -> None:
    """The page's own heading is shown and nothing is still loading."""
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Loading"))).to_have_count(0)


def test_given_every_page_when_axe_runs_then_no_serious_or_critical_violations(page, web_stack, api: Api):
    word = unique_word()
    product = api.create_product(
        name=f"{word} Kettle", brand=f"Acme {word}", price_cents=2999, stock=3, description="Boils water quickly."
    )
    api.wait_until_searchable(word, [product["id"]])
    admin = new_user("admin")
    order = api.place_order(admin, product["id"])
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found[name] = serious_accessibility_violations(page)

    page.goto(f"{web_stack.web_url}/")
    settled(page, "Newest products")
    check("home, signed out")

    sign_in_control(page).click()
    expect(page.get_by_label("User name")).to_be_visible()
    check("local sign-in page")

    sign_in(page, web_stack, admin, admin=True)
    settled(page, "Newest products")
    check("home, signed in")

    pages = [
        (f"/search?q={word}", re.compile(word)),
        (f"/products/{product['id']}", product["name"]),
        (f"/orders/{order['id']}", re.compile(r"^Order ")),
        ("/orders", "Your orders"),
        ("/admin", "Products"),
        ("/admin/products/new", "New product"),
        (f"/admin/products/{product['id']}", re.compile(".")),
        ("/admin/orders", "Fulfilment"),
        ("/no-such-page", re.compile(".")),
    ]
    for path, heading in pages:
        page.goto(web_stack.web_url + path)
        settled(page, heading)
        check(path)

    page.goto(f"{web_stack.web_url}/products/{product['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Cart").click()
    settled(page, "Your cart")
    check("/cart")
    page.get_by_role("link", name="Checkout").click()
    settled(page, "Checkout")
    check("/checkout")
    # The form's error state too: submitted empty.
    page.get_by_label("Country", exact=True).fill("")
    page.get_by_role("button", name="Place order").click()
    check("/checkout with field errors")

    failing = {name: violations for name, violations in found.items() if violations}
    assert not failing, failing
    assert len(found) == len(pages) + 6
