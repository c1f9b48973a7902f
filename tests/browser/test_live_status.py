"""Live order status in Chromium: a shopper's open order page follows the status the WebSocket API pushes, without
a reload, while the same status changes reach the shopper's mailbox."""

import json
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from devstack.__main__ import LOCAL_USER_EMAIL_DOMAIN
from devstack.launcher import RunningStack
from tests.browser.support import Api, new_user, sign_in, unique_word

# Watches the page's WebSockets without changing what they do: the addresses of those open now, and every message
# received. Playwright reports frames but not when a socket opens, and a push sent before the shopper's socket is
# open reaches nobody (as in AWS), so the test waits for the open socket before the order is placed.
WATCH_WEBSOCKETS = """(() => {
  const seen = { open: [], messages: [] };
  window.watchedWebSockets = seen;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => seen.open.push(this.url));
      this.addEventListener("close", () => {
        const at = seen.open.indexOf(this.url);
        if (at >= 0) seen.open.splice(at, 1);
      });
      this.addEventListener("message", (event) => seen.messages.push(String(event.data)));
    }
  };
})();"""
STREAM_OPEN = "(wsUrl) => window.watchedWebSockets.open.some((url) => url.startsWith(wsUrl))"
PUSHED = """([orderId, status]) => window.watchedWebSockets.messages.some((data) => {
  try {
    const update = JSON.parse(data);
    return update.order_id === orderId && update.status === status;
  } catch {
    return false;
  }
})"""
# The first push of a session starts the stream's functions cold (publisher, bus consumer, $connect's authorizer)
# on a shared machine. Not a timing test: a slow push still passes; only one that never comes fails.
COLD_PUSH_TIMEOUT_MS = 60_000


def wait_in_page(page: Page, predicate: str, arg: object, what: str) -> None:
    try:
        page.wait_for_function(predicate, arg=arg, timeout=COLD_PUSH_TIMEOUT_MS)
    except PlaywrightTimeout:
        seen = page.evaluate("window.watchedWebSockets")
        pytest.fail(f"not within {COLD_PUSH_TIMEOUT_MS // 1000} s: {what}; the page's WebSockets: {seen}")


def pushed_statuses(page: Page, order_id: str) -> list[str]:
    """The statuses the page's sockets received for the order, in order of arrival, each once."""
    statuses: list[str] = []
    for data in page.evaluate("window.watchedWebSockets.messages"):
        try:
            update = json.loads(data)
        except ValueError:
            continue  # not a status push: the app ignores it too
        if isinstance(update, dict) and update.get("order_id") == order_id:
            statuses.append(update.get("status"))
    return list(dict.fromkeys(statuses))


def open_only_order(page: Page, order_id: str) -> None:
    page.get_by_role("link", name="Orders", exact=True).click()
    order_link = page.get_by_role("list", name="Order list").get_by_role("link")
    expect(order_link).to_have_attribute("href", f"/orders/{order_id}")  # this shopper's only order
    order_link.click()
    expect(page.get_by_role("heading", level=1, name=f"Order {order_id[:8]}")).to_be_visible()


def test_given_shoppers_order_page_open_when_admin_marks_it_shipped_then_it_shows_shipped_live_and_both_mails_arrive(
    page: Page, web_stack: RunningStack, api: Api
):
    product = api.create_product(name=f"{unique_word()} Kettle", price_cents=2999, stock=5)
    user = new_user()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.add_init_script(WATCH_WEBSOCKETS)
    sign_in(page, web_stack, user)
    wait_in_page(page, STREAM_OPEN, web_stack.ws_url, f"the signed-in app's status stream open to {web_stack.ws_url}")

    order = api.place_order(user, product["id"])
    open_only_order(page, order["id"])
    status = page.get_by_text(re.compile(r"^Status:"))
    expect(status).to_have_text(re.compile(r"Status:\s*Placed"))
    # The placed order's own push: the stream's functions are warm and the page's socket hears this shopper's orders.
    wait_in_page(page, PUSHED, [order["id"], "PLACED"], "the placed order's status pushed to the page")
    page.evaluate("window.notReloaded = true")

    api.set_order_status(order["id"], "SHIPPED")

    expect(status, "the order page should follow the pushed status, without a reload").to_have_text(
        re.compile(r"Status:\s*Shipped")
    )
    # Screen readers hear the change too (a polite live region).
    expect(page.get_by_role("status").filter(has_text="is now shipped")).to_have_text(
        f"Order {order['id'][:8]} is now shipped."
    )
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"
    assert pushed_statuses(page, order["id"]) == ["PLACED", "SHIPPED"]

    mail = api.wait_for_mail(f"{user}@{LOCAL_USER_EMAIL_DOMAIN}", count=2)
    assert sorted(message["subject"] for message in mail) == [
        f"Your order {order['id']} is placed",
        f"Your order {order['id']} is shipped",
    ]
    assert console_errors == []
