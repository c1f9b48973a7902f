"""`make bench`, web part: the storefront's first-page JavaScript and its page-load figures in Chromium.

1. First-page JavaScript: what the first page loads (the entry and what it imports statically), gzipped, against
   the 150 KB budget; frontend/scripts/check-size.mjs (`npm run size`) measures it, on the current frontend/dist.
2. Navigation to the first product visible: the home page of the built app, served by a local stack of its own
   (with the demo catalog), in Debian's Chromium; the time from the navigation's start (performance.timeOrigin)
   to the animation frame in which the first product card of "Newest products" is laid out inside the viewport.
   Median of LOADS loads as a first visit (a fresh browser profile each time: no HTTP cache, no service worker)
   and as a repeat visit (one profile, reloaded: the service worker's precached shell).
3. Search as you type: on the search page, the shopper selects the box's text and types another word; the time
   from the last keystroke's input event to the frame in which the results for the new word are shown. It
   includes the box's typing pause (300 ms, so that one search runs per word, not one per key). Median of
   SEARCHES words.

The stack is warmed first (one load and one search not counted: the first call to each function is a cold start).
Figures are medians with their range: this machine is shared and noisy.
"""

import os
import re
import statistics
import subprocess
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from devstack.launcher import running_stack
from devstack.seed import ADJECTIVES, demo_products
from tests.browser.support import CHROMIUM, DESKTOP, launch_chromium

REPO_ROOT = Path(__file__).resolve().parent.parent
FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
LOADS = int(os.environ.get("BENCH_WEB_LOADS", "10"))
SEARCHES = int(os.environ.get("BENCH_WEB_SEARCHES", "10"))
SEED_COUNT = int(os.environ.get("BENCH_WEB_SEED", "120"))
TIMEOUT_MS = 60_000
KEY_DELAY_MS = 40  # between keystrokes: a quick typist, well inside the box's 300 ms pause

# Installed before any of the page's scripts run (the debugging protocol's init script, which the page's CSP does not
# govern): records when the first product card is laid out inside the viewport, at the next animation frame.
FIRST_PRODUCT_PROBE = """
(() => {
  const visible = () => {
    const card = document.querySelector('ul[aria-label="Newest products"] .card');
    if (!card) return false;
    const box = card.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.top < window.innerHeight;
  };
  const observer = new MutationObserver(() => {
    if (!visible()) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__benchFirstProduct = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true });
})();
"""

# Remembers when the search box last received an input event (a keystroke).
INPUT_PROBE = """
document.addEventListener('input', (event) => {
  if (event.target.matches('input[type="search"]')) window.__benchLastInput = performance.now();
}, true);
"""

# Armed before each word: records the frame in which the URL's query is the word and the first result names it.
RESULTS_PROBE = """
(word) => {
  window.__benchResults = undefined;
  const shown = () => {
    if (new URLSearchParams(location.search).get('q') !== word) return false;
    const title = document.querySelector('ul[aria-label="Search results"] .card-title');
    return !!title && title.textContent.toLowerCase().includes(word);
  };
  const observer = new MutationObserver(() => {
    if (!shown()) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__benchResults = performance.now(); });
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}
"""


@dataclass(frozen=True)
class Figure:
    """Milliseconds: median and range of the samples."""

    samples: list[float]

    def __str__(self) -> str:
        return (
            f"{statistics.median(self.samples):7.0f} ms  "
            f"({min(self.samples):.0f}–{max(self.samples):.0f}, n={len(self.samples)})"
        )


def first_page_js() -> tuple[float, float]:
    """(gzipped KB, budget KB) of the first page's JavaScript in frontend/dist, as `npm run size` counts it."""
    result = subprocess.run(
        ["node", str(FRONTEND / "scripts" / "check-size.mjs")],
        cwd=FRONTEND, capture_output=True, text=True, check=False,
    )  # fmt: skip
    match = re.search(r"([\d.]+) KB\s+first-page JavaScript.*budget of (\d+) KB", result.stdout)
    if not match:
        raise SystemExit(f"frontend/scripts/check-size.mjs said nothing usable:\n{result.stdout}{result.stderr}")
    return float(match[1]), float(match[2])


def search_words(count: int) -> list[str]:
    """The two words most common in the demo catalog's product names, brands and adjectives aside (nouns)."""
    words: Counter[str] = Counter()
    skip = {adjective.lower() for adjective in ADJECTIVES}
    for product in demo_products(count):
        name = product["name"].removeprefix(product["brand"])
        words.update({word.lower() for word in re.findall(r"[A-Za-z]{5,}", name)} - skip)
    return [word for word, _ in words.most_common(2)]


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(FIRST_PRODUCT_PROBE)
    return context


def load_home(page: Page, url: str, *, reload: bool = False) -> float:
    """Milliseconds from the navigation's start to the first product visible."""
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__benchFirstProduct > 0")
    return float(page.evaluate("window.__benchFirstProduct"))


def first_visits(browser: Browser, url: str, loads: int) -> Figure:
    samples = []
    for _ in range(loads):
        context = new_context(browser)
        try:
            samples.append(load_home(context.new_page(), url))
        finally:
            context.close()
    return Figure(samples)


def repeat_visits(browser: Browser, url: str, loads: int) -> Figure:
    context = new_context(browser)
    try:
        page = context.new_page()
        load_home(page, url)
        # The service worker takes over once installed: wait for it, so that reloads use its precached shell.
        page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.ready.then(() => true) : false")
        return Figure([load_home(page, url, reload=True) for _ in range(loads)])
    finally:
        context.close()


def type_word(page: Page, word: str) -> float:
    """Milliseconds from the last keystroke of `word` to its results shown."""
    page.evaluate(RESULTS_PROBE, word)
    page.get_by_role("searchbox", name="Search").click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(word, delay=KEY_DELAY_MS)
    page.wait_for_function("() => window.__benchResults > 0")
    return float(page.evaluate("window.__benchResults - window.__benchLastInput"))


def search_as_you_type(browser: Browser, url: str, words: list[str], searches: int) -> Figure:
    context = new_context(browser)
    try:
        page = context.new_page()
        page.add_init_script(INPUT_PROBE)
        page.goto(f"{url}/search?{urllib.parse.urlencode({'q': words[0]})}")
        page.locator('ul[aria-label="Search results"] .card').first.wait_for()
        type_word(page, words[1])  # warm-up: not counted
        return Figure([type_word(page, words[n % 2]) for n in range(searches)])
    finally:
        context.close()


def web_figures(web_url: str, seed_count: int = SEED_COUNT) -> dict[str, Figure]:
    words = search_words(seed_count)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            warm = new_context(browser)
            load_home(warm.new_page(), web_url)  # warm-up: the functions' cold starts are not page loads
            warm.close()
            return {
                "first visit": first_visits(browser, web_url, LOADS),
                "repeat visit": repeat_visits(browser, web_url, LOADS),
                "search": search_as_you_type(browser, web_url, words, SEARCHES),
            }
        finally:
            browser.close()


def main() -> None:
    if not (DIST / "index.html").is_file():
        raise SystemExit(f"{DIST}/index.html is missing: build the web app first (make web-build)")
    size, budget = first_page_js()
    print("\nWeb app (frontend/dist)")
    verdict = "within" if size <= budget else "OVER"
    print(f"  {'first-page JavaScript, gzipped':52s} {size:7.1f} KB  ({verdict} the {budget:.0f} KB budget)")
    if not CHROMIUM.exists():
        print(f"  page-load figures skipped: {CHROMIUM} is not installed (apt-get install chromium)")
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-web-") as state,
        running_stack(Path(state), seed_count=SEED_COUNT) as stack,
    ):
        figures = web_figures(stack.web_url)
    print(f"  In Chromium on a local stack ({SEED_COUNT} demo products), after one warm-up each")
    print(f"  {'navigation → first product visible, first visit':52s} {figures['first visit']}")
    print(f"  {'navigation → first product visible, repeat visit':52s} {figures['repeat visit']}")
    print(f"  {'search as you type: last keystroke → results shown':52s} {figures['search']}")
    print(f"  {'':52s} (includes the box's 300 ms typing pause)")


if __name__ == "__main__":
    main()
