"""The layout from the narrowest phone up: nothing wider than the screen, so no sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_context
from tests.browser.support import Api, new_user, sign_in, unique_word

PAGES = ["/", "/search?q={word}", "/products/{id}", "/cart", "/checkout", "/orders"]


def pages_wider_than_the_screen(browser, stack, api: Api, width: int, name: str) -> dict[str, int]:
    word = unique_word()
    product = api.create_product(name=f"{word} {name}", brand=f"Acme {word}", stock=3)
    api.wait_until_searchable(word, [product["id"]])
    context = new_context(browser, viewport={"width": width, "height": 700}, is_mobile=width < 500, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, stack, new_user())
        page.goto(f"{stack.web_url}/products/{product['id']}")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_role("link", name="Cart")).to_have_accessible_description("1 item")
        too_wide = {}
        for path in PAGES:
            page.goto(stack.web_url + path.format(word=word, id=product["id"]))
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            expect(page.get_by_text("Loading…")).to_have_count(0)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide[path] = scroll_width
        return too_wide
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 768])
def test_given_narrow_screen_when_each_page_opens_then_nothing_is_wider_than_the_screen(browser, web_stack, api, width):
    too_wide = pages_wider_than_the_screen(browser, web_stack, api, width, "Compact Cast Iron Skillet with Lid Q120")
    assert not too_wide, f"wider than {width} px: {too_wide}"


def test_given_product_name_with_a_long_unbroken_word_when_shown_on_a_phone_then_nothing_is_wider_than_the_screen(
    browser, web_stack, api
):
    too_wide = pages_wider_than_the_screen(browser, web_stack, api, 320, "Extraordinarilylong" * 3)
    assert not too_wide, f"wider than 320 px: {too_wide}"
