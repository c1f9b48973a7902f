"""A shopper in Chromium: search, facets, product, cart, checkout, orders; on a desktop and on a phone."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import ADDRESS, PHONE, Api, new_user, sign_in, typo_of, unique_word


def search(page: Page, text: str) -> None:
    box = page.get_by_role("searchbox", name="Search")
    box.fill(text)
    box.press("Enter")


def results(page: Page):
    return page.get_by_role("list", name="Search results")


def fill_address(page: Page) -> None:
    for label, value in ADDRESS.items():
        page.get_by_label(label, exact=True).fill(value)


def toggle(checkbox, checked: bool) -> None:
    """Click a facet and wait for the app to show it: the results (and the box) re-render from the new URL, so
    Playwright's check(), which looks at the box right after the click, can see the old one."""
    checkbox.click()
    expect(checkbox).to_be_checked(checked=checked)


def shopper_journey(page: Page, stack, api: Api) -> None:
    word = unique_word()
    kettle = api.create_product(name=f"{word} Kettle", brand=f"Acme {word}", price_cents=2999, stock=5)
    teapot = api.create_product(name=f"{word} Teapot", brand=f"Brio {word}", price_cents=1550, stock=3)
    api.wait_until_searchable(word, [kettle["id"], teapot["id"]])
    user = new_user()
    sign_in(page, stack, user)

    # A typo still finds both; the brand facet narrows to one, and the state is in the URL.
    search(page, typo_of(word).lower())
    expect(results(page).get_by_role("link", name=kettle["name"])).to_be_visible()
    expect(results(page).get_by_role("link", name=teapot["name"])).to_be_visible()
    brands = page.get_by_role("group", name="Brand")
    toggle(brands.get_by_role("checkbox", name=re.compile(rf"^Acme {word}")), True)
    expect(page).to_have_url(re.compile(r"[?&]brand="))
    expect(results(page).get_by_role("link", name=teapot["name"])).to_have_count(0)
    results(page).get_by_role("link", name=kettle["name"]).click()

    expect(page.get_by_role("heading", level=1, name=kettle["name"])).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    cart_link = page.get_by_role("link", name="Cart")
    expect(cart_link).to_have_accessible_description("1 item")

    # Back to the narrowed results (the URL kept them), then the other brand's product.
    page.go_back()
    expect(brands.get_by_role("checkbox", name=re.compile(rf"^Acme {word}"))).to_be_checked()
    toggle(brands.get_by_role("checkbox", name=re.compile(rf"^Acme {word}")), False)
    toggle(brands.get_by_role("checkbox", name=re.compile(rf"^Brio {word}")), True)
    results(page).get_by_role("link", name=teapot["name"]).click()
    expect(page.get_by_role("heading", level=1, name=teapot["name"])).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(cart_link).to_have_accessible_description("2 items")

    cart_link.click()
    page.get_by_role("button", name=f"Increase quantity of {kettle['name']}").click()
    expect(page.get_by_role("spinbutton", name=f"Quantity of {kettle['name']}")).to_have_value("2")
    expect(page.get_by_text("$75.48")).to_be_visible()  # 2 x $29.99 + $15.50
    expect(cart_link).to_have_accessible_description("3 items")

    page.get_by_role("link", name="Checkout").click()
    fill_address(page)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_text(re.compile(r"Status:\s*Placed"))).to_be_visible()

    # The order is in the history; opened from there, it can be cancelled while placed.
    page.get_by_role("link", name="Orders", exact=True).click()
    history = page.get_by_role("list", name="Order list").get_by_role("link")
    expect(history).to_have_count(1)  # this shopper's only order
    expect(history).to_have_attribute("href", f"/orders/{order_id}")
    history.click()
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_text(re.compile(r"Status:\s*Cancelled"))).to_be_visible()

    order = api.order(user, order_id)
    assert order["status"] == "CANCELLED"
    assert {line["product_id"]: line["quantity"] for line in order["items"]} == {kettle["id"]: 2, teapot["id"]: 1}


def test_given_desktop_shopper_when_searching_with_a_typo_and_buying_then_order_placed_and_cancelled(
    page, web_stack, api
):
    shopper_journey(page, web_stack, api)


def test_given_phone_viewport_when_shopping_then_the_same_journey_completes(phone_page, web_stack, api):
    shopper_journey(phone_page, web_stack, api)
    # Nothing wider than the phone: no sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_given_double_click_on_place_order_then_one_order_is_placed(page, web_stack, api):
    word = unique_word()
    product = api.create_product(name=f"{word} Mug", price_cents=1200, stock=10)
    user = new_user()
    sign_in(page, web_stack, user)
    page.goto(f"{web_stack.web_url}/products/{product['id']}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name="Cart")).to_have_accessible_description("1 item")
    page.get_by_role("link", name="Checkout").or_(page.get_by_role("link", name="Cart")).first.click()
    page.goto(f"{web_stack.web_url}/checkout")
    fill_address(page)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_role("button", name="Place order").dblclick()
    page.wait_for_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    page.wait_for_load_state("networkidle")
    orders = api.orders(user)
    assert len(orders) == 1, orders
    assert page.url.endswith(orders[0]["id"])


def test_given_product_sold_out_before_checkout_when_placing_order_then_message_names_it(page, web_stack, api):
    word = unique_word()
    scarce = api.create_product(name=f"{word} Lamp", price_cents=4500, stock=2)
    plenty = api.create_product(name=f"{word} Bulb", price_cents=300, stock=50)
    user = new_user()
    sign_in(page, web_stack, user)
    for product in (scarce, plenty):
        page.goto(f"{web_stack.web_url}/products/{product['id']}")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_text(re.compile(r"Added to cart"))).to_be_visible()
    api.update_product(scarce["id"], stock=0)  # someone else bought the last ones
    page.goto(f"{web_stack.web_url}/checkout")
    fill_address(page)
    page.get_by_role("button", name="Place order").click()
    message = page.get_by_text(re.compile(r"Not enough stock for"))
    expect(message).to_contain_text(scarce["name"])
    expect(message).not_to_contain_text(plenty["name"])
    assert api.orders(user) == []


def test_given_product_named_like_markup_when_searched_and_opened_then_shown_as_text_and_nothing_runs(
    page, web_stack, api
):
    word = unique_word()
    name = f"<img src=x onerror=alert(1)> {word}"
    product = api.create_product(name=name, price_cents=999, stock=4)
    api.wait_until_searchable(f"{word} onerror", [product["id"]])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{web_stack.web_url}/")
    # The name's words are highlighted: the highlight path must keep only <em>.
    search(page, f"{word} onerror")
    link = results(page).get_by_role("link", name=name)
    expect(link).to_have_text(name)
    expect(link.locator("em").first).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


def test_given_app_loaded_once_when_offline_and_reloaded_then_the_shell_says_you_are_offline(page, web_stack):
    page.goto(f"{web_stack.web_url}/")
    expect(page.get_by_role("heading", level=1, name="Newest products")).to_be_visible()
    # The service worker has precached the shell (its install finishes after the first load); from the next load
    # on it also keeps the last config.json.
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Newest products")).to_be_visible()
    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_text("You are offline.", exact=True)).to_be_visible()
        expect(page.get_by_role("banner").get_by_role("link", name="Shop")).to_be_visible()
    finally:
        page.context.set_offline(False)
