"""What the browser tests and `make screenshots` share: Debian's Chromium through Playwright, the stack's API
with dev tokens, signing in through the local OpenID Connect provider, and axe-core."""

import json
import os
import random
import re
import string
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, Page, Playwright, expect

from devstack.launcher import RunningStack
from devstack.template import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
# A fresh profile per launch (Playwright makes one), and nothing that phones home or updates itself.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT = 60  # HTTP calls: a burst of function cold starts shares this machine's few cores
UI_TIMEOUT_MS = 30_000
# Assertions wait as long as actions do: a function's cold start on a busy machine takes seconds. (Not a timing
# test: a slow answer still passes; only one that never comes fails.)
expect.set_options(timeout=UI_TIMEOUT_MS)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
ADDRESS = {
    "Full name": "Ada Lovelace",
    "Address line 1": "12 St James's Square",
    "City": "London",
    "Postal code": "SW1Y 4JH",
    "Country": "GB",
}


def in_ci() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CODEBUILD_BUILD_ID"))


def launch_chromium(playwright: Playwright) -> Browser:
    # Debian's Chromium, never a browser Playwright downloads.
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)


def unique_word(length: int = 9) -> str:
    """A made-up word no other test's data contains: consonant-vowel pairs, so that it reads as a name."""
    rng = random.Random(uuid.uuid4().int)
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(length // 2)).capitalize()


def typo_of(word: str) -> str:
    """The word with one letter after the first two left out (one edit: within the search's fuzziness)."""
    return word[:3] + word[4:]


@dataclass(frozen=True)
class Api:
    """The stack's API with dev tokens: each test makes its own data through it."""

    stack: RunningStack

    def admin(self) -> dict[str, str]:
        return self.stack.auth("browser-admin", ["admin"])

    def create_product(self, **fields: Any) -> dict[str, Any]:
        body = {"category": "kitchen", "price_cents": 2500, "stock": 10, **fields}
        response = requests.post(f"{self.stack.url}/products", json=body, headers=self.admin(), timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        return product

    def product(self, product_id: str) -> dict[str, Any]:
        response = requests.get(f"{self.stack.url}/products/{product_id}", timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        product: dict[str, Any] = response.json()
        return product

    def update_product(self, product_id: str, **fields: Any) -> dict[str, Any]:
        current = requests.get(f"{self.stack.url}/products/{product_id}", timeout=TIMEOUT)
        headers = {**self.admin(), "If-Match": current.headers["ETag"]}
        response = requests.patch(
            f"{self.stack.url}/products/{product_id}", json=fields, headers=headers, timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        product: dict[str, Any] = response.json()
        return product

    def wait_until_searchable(self, query: str, product_ids: list[str], timeout: float = 30) -> None:
        """The stream trigger indexes new products within a second or so; the browser must not race it."""
        deadline = time.monotonic() + timeout
        while True:
            response = requests.get(f"{self.stack.url}/search", params={"q": query}, timeout=TIMEOUT)
            found = {hit["id"] for hit in response.json().get("items", [])} if response.ok else set()
            if set(product_ids) <= found:
                return
            assert time.monotonic() < deadline, f"{product_ids} not found by {query!r}: {response.text[:500]}"
            time.sleep(0.25)

    def orders(self, user: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.stack.url}/orders", headers=self.stack.auth(user, []), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def place_order(self, user: str, product_id: str, quantity: int = 1) -> dict[str, Any]:
        headers = self.stack.auth(user, [])
        put = requests.put(
            f"{self.stack.url}/cart/items/{product_id}", json={"quantity": quantity}, headers=headers, timeout=TIMEOUT
        )
        assert put.status_code == 200, put.text
        address = {"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
                   "postal_code": "SW1Y 4JH", "country": "GB"}  # fmt: skip
        response = requests.post(
            f"{self.stack.url}/orders",
            json={"shipping_address": address},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=TIMEOUT,
        )
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def order(self, user: str, order_id: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.stack.url}/orders/{order_id}", headers=self.stack.auth(user, []), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    def set_order_status(self, order_id: str, status: str) -> dict[str, Any]:
        """What the admin console's fulfilment does: PUT /orders/{order_id}/status as an admin."""
        response = requests.put(
            f"{self.stack.url}/orders/{order_id}/status", json={"status": status}, headers=self.admin(), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    def mail_to(self, address: str) -> list[dict[str, Any]]:
        """The messages the local mailbox caught for `address`, newest first."""
        response = requests.get(f"{self.stack.mail_url}/messages.json", timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return [message for message in response.json() if address in message["to"]]

    def wait_for_mail(self, address: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """The mail for `address` once `count` messages came: e-mail follows the table's stream and the event bus,
        through functions that may be starting cold."""
        deadline = time.monotonic() + timeout
        while True:
            mail = self.mail_to(address)
            if len(mail) >= count:
                return mail
            assert time.monotonic() < deadline, f"{count} messages to {address} expected, found: {mail}"
            time.sleep(0.25)


def new_user(prefix: str = "shopper") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sign_in(page: Page, stack: RunningStack, user: str, *, admin: bool = False) -> None:
    """Sign in through the app's own "Sign in" and the local provider's page, as a person would."""
    page.goto(stack.web_url + "/")
    sign_in_control(page).click()
    expect(page.get_by_label("User name")).to_be_visible()
    assert page.url.startswith(stack.issuer_url), page.url
    page.get_by_label("User name").fill(user)
    if admin:
        page.get_by_label("Admin").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("^" + re.escape(stack.web_url)))
    expect(sign_out_control(page)).to_be_visible()


def sign_in_control(page: Page) -> Any:
    return page.get_by_role("button", name="Sign in").or_(page.get_by_role("link", name="Sign in")).first


def sign_out_control(page: Page) -> Any:
    return page.get_by_role("button", name="Sign out").or_(page.get_by_role("link", name="Sign out")).first


def axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: axe-core must be among the web app's devDependencies (npm ci)")
    return AXE.read_text()


def serious_accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (one line each)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated by the browser's debugging protocol, which the page's CSP does not govern; nothing is
        # added to the page itself.
        page.evaluate(axe_source() + "\n;undefined")
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + json.dumps([node["target"] for node in violation["nodes"]][:5])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def money_pattern(cents: int) -> re.Pattern[str]:
    """$12.50 as Intl.NumberFormat('en-US', USD) writes it, with thousands separators."""
    return re.compile(re.escape(f"${cents / 100:,.2f}"))


def letters(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))
