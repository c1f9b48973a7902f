"""Browser tests: the built web app in Debian's Chromium (Playwright), against a local stack of their own.

They skip only where no Chromium is installed and this is not CI; in CI (.ci/run installs Chromium) they run.
"""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from devstack.launcher import RunningStack, StackFailed, running_stack
from tests.browser.support import CHROMIUM, DESKTOP, DIST, FRONTEND, UI_TIMEOUT_MS, Api, in_ci, launch_chromium


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
    state = tmp_path_factory.mktemp("webstack")
    try:
        with running_stack(state) as started:
            yield started
    except StackFailed as error:
        pytest.fail(str(error))
    finally:
        if os.environ.get("CI") and (state / "devstack.log").exists():
            print(f"\n--- local stack log (last 3000 chars) ---\n{(state / 'devstack.log').read_text()[-3000:]}")


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


@pytest.fixture
def page(context) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"uncaught errors in the page: {errors}"
