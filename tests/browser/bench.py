"""`make bench-web`: the web app's figures in Chromium against a fresh, seeded local stack.

1. First product visible: from the start of navigation to the home page until its first product link shows,
   in a fresh browser context each time (nothing cached, no service worker); median of LOADS loads after one
   warm-up load (the functions' cold starts are `make bench`'s other figures, not the page's).
2. Search as you type: on the search page, from the last keystroke of a query until its results show; median over
   QUERIES. It includes the box's pause before it searches (TYPING_DELAY_MS in frontend/src/components/SearchBox.tsx).

Figures only, never pass/fail: this machine is shared and noisy.
"""

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from devstack.launcher import running_stack
from tests.browser.support import CHROMIUM, DESKTOP, DIST, launch_chromium

LOADS = 10
SEED_COUNT = 120
# Brands and nouns of the seeded catalog (devstack/seed.py): each query finds something.
QUERIES = ["sonara", "kettle", "ridgeline", "headphones", "tent", "copperleaf", "novel", "lamp", "skillet", "atlas"]


def first_product_seconds(page: Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    expect(page.get_by_role("list", name="Newest products").get_by_role("link").first).to_be_visible(timeout=60_000)
    return time.perf_counter() - started


def search_round_trip_seconds(page: Page, query: str) -> float:
    box = page.get_by_role("searchbox", name="Search")
    box.fill("")
    box.press_sequentially(query[:-1], delay=30)
    started = time.perf_counter()
    box.press(query[-1])
    # This query's results, not the previous one's still on screen: every seeded name carries its brand and noun.
    first = page.get_by_role("list", name="Search results").get_by_role("link").first
    expect(first).to_contain_text(re.compile(query, re.IGNORECASE), timeout=60_000)
    return time.perf_counter() - started


def main() -> int:
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    if not (DIST / "index.html").is_file():
        raise SystemExit(f"the web app is not built ({DIST}/index.html): run `make web-build`")
    with (
        tempfile.TemporaryDirectory() as state,
        running_stack(Path(state), seed_count=SEED_COUNT) as stack,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        loads = []
        for run in range(LOADS + 1):
            context = browser.new_context(viewport=DESKTOP, service_workers="block")
            seconds = first_product_seconds(context.new_page(), f"{stack.web_url}/")
            context.close()
            if run:  # the first warms the functions
                loads.append(seconds)

        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{stack.web_url}/search?q=warm")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        search_round_trip_seconds(page, "kettle")  # warms the search function
        trips = [search_round_trip_seconds(page, query) for query in QUERIES]
        context.close()
        browser.close()
    print(f"\nWeb app in Chromium, local stack seeded with {SEED_COUNT} products")
    print(f"  {'navigation to first product visible':40s} median {statistics.median(loads) * 1000:6.0f} ms "
          f"of {LOADS} fresh loads (min {min(loads) * 1000:.0f}, max {max(loads) * 1000:.0f})")  # fmt: skip
    print(f"  {'search as you type, last key to results':40s} median {statistics.median(trips) * 1000:6.0f} ms "
          f"of {len(trips)} queries (includes the box's 300 ms pause)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
