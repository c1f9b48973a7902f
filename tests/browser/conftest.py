"""Browser tests: the built web app in Debian's Chromium (Playwright), against a local stack of their own.

They skip only where no Chromium is installed and this is not CI; in CI (.ci/run installs Chromium) they run.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from devstack.launcher import RunningStack
from tests.browser.support import (
    CHROMIUM,
    DESKTOP,
    DIST,
    FRONTEND,
    PHONE,
    UI_TIMEOUT_MS,
    Api,
    in_ci,
    launch_chromium,
)
from tests.local_stack import local_stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it and runs these tests")
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def web_stack(browser, tmp_path_factory) -> Iterator[RunningStack]:
    """One local stack for the session, serving the built app; each test makes its own products and users."""
    if not (FRONTEND / "package.json").is_file():
        pytest.skip("no web app in this checkout (frontend/package.json)")
    if not (DIST / "index.html").is_file():
        pytest.fail(f"the web app is not built ({DIST}/index.html): run `make web-build` (make test does)")
    with local_stack(tmp_path_factory.mktemp("webstack")) as started:
        yield started


@pytest.fixture(scope="session")
def api(web_stack) -> Api:
    return Api(web_stack)


def new_context(browser: Browser, viewport: dict[str, int] = DESKTOP, **options) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="UTC", **options)
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no session, cart or service worker carried over."""
    created = new_context(browser)
    yield created
    created.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


def describe(page: Page) -> str:
    """Where a failed test left the page: its URL and what a screen reader would find there."""
    try:
        return f"{page.url}\n{page.locator('body').aria_snapshot(timeout=5000)}"
    except Exception as error:  # the page may be gone: say so instead of hiding the test's own failure
        return f"{page.url}\n(no snapshot: {error})"


@pytest.fixture
def phone_context(browser) -> Iterator[BrowserContext]:
    """A phone: 375 x 812, touch, mobile viewport rules."""
    created = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield created
    created.close()


@pytest.fixture
def phone_page(request, phone_context) -> Iterator[Page]:
    yield from _watched_page(request, phone_context)


@pytest.fixture
def page(request, context) -> Iterator[Page]:
    yield from _watched_page(request, context)


def _watched_page(request, context: BrowserContext) -> Iterator[Page]:
    """A page whose uncaught errors and Content-Security-Policy refusals fail the test (the app must work under the
    policy it is served with), and which is described when the test fails."""
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield opened
    if request.node.stash.get(CALL_FAILED, False):
        print(f"--- the page when the test failed ---\n{describe(opened)}")
    assert not errors, f"uncaught errors or CSP refusals in the page: {errors}"
