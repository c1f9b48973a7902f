"""`make screenshots`: docs/screenshots/*.png of the main pages, in Chromium against a fresh local stack.

    python -m tests.browser.screenshots [--output docs/screenshots]

The stack is seeded with the demo catalog (the same seed every time), so the pictures change only when the app does.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from devstack.launcher import running_stack
from devstack.template import REPO_ROOT
from tests.browser.support import CHROMIUM, DESKTOP, DIST, launch_chromium, sign_in

OUTPUT = REPO_ROOT / "docs" / "screenshots"
SEED_COUNT = 120
ADMIN = "ada"
SEARCH = "wireless"


def quiet(page: Page) -> None:
    """Nothing loading, and no caret or animation mid-frame."""
    expect(page.get_by_text("Loading…")).to_have_count(0)
    page.add_style_tag(
        content="*{caret-color:transparent!important;transition:none!important;animation:none!important}"
    )


def shoot(page: Page, output: Path, name: str) -> None:
    quiet(page)
    page.screenshot(path=str(output / f"{name}.png"), full_page=False)
    print(f"  {output / f'{name}.png'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.screenshots", description=__doc__)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--web-dist", type=Path, default=DIST, help="the built web app")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    if not (args.web_dist / "index.html").is_file():
        raise SystemExit(f"the web app is not built ({args.web_dist}/index.html): run `make web-build`")
    args.output.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as state,
        running_stack(Path(state), seed_count=SEED_COUNT, web_dist=args.web_dist) as stack,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        # The page's CSP forbids inline styles; the stylesheet that stills animations is the screenshot's own.
        context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC", bypass_csp=True)
        context.set_default_timeout(30_000)
        page = context.new_page()

        page.goto(stack.web_url + "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shoot(page, args.output, "home")

        sign_in(page, stack, ADMIN, admin=True)
        box = page.get_by_role("searchbox", name="Search")
        box.fill(SEARCH)
        box.press("Enter")
        results = page.get_by_role("list", name="Search results")
        expect(results.get_by_role("link").first).to_be_visible()
        shoot(page, args.output, "search")

        results.get_by_role("link").first.click()
        expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
        shoot(page, args.output, "product")

        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_role("link", name="Cart")).to_have_accessible_description("1 item")
        page.get_by_role("link", name="Cart").click()
        expect(page.get_by_role("heading", level=1, name="Your cart")).to_be_visible()
        shoot(page, args.output, "cart")

        page.get_by_role("link", name="Checkout").click()
        page.get_by_label("Full name", exact=True).fill("Ada Lovelace")
        page.get_by_label("Address line 1", exact=True).fill("12 St James's Square")
        page.get_by_label("City", exact=True).fill("London")
        page.get_by_label("Postal code", exact=True).fill("SW1Y 4JH")
        page.get_by_label("Country", exact=True).fill("GB")
        shoot(page, args.output, "checkout")

        page.get_by_role("button", name="Place order").click()
        page.wait_for_url("**/orders/*")
        page.get_by_role("link", name="Orders", exact=True).click()
        expect(page.get_by_role("list", name="Order list")).to_be_visible()
        shoot(page, args.output, "orders")

        page.get_by_role("link", name="Admin", exact=True).click()
        expect(page.get_by_role("table")).to_be_visible()
        shoot(page, args.output, "admin")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
