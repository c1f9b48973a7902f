import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState, type ReactNode } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApi } from "../src/api/client";
import { StaticSessionProvider } from "../src/app/auth";
import { ApiProvider, ConfigProvider } from "../src/app/context";
import { LiveOrdersProvider, useLiveOrders, useOrderStatusStream } from "../src/app/liveOrders";
import type { StatusUpdate } from "../src/lib/orderStatus";
import { OrderPage } from "../src/pages/OrderPage";
import { OrdersPage } from "../src/pages/OrdersPage";
import { FakeWebSocket } from "./fakeWebSocket";
import { API, CONFIG, fakeApi, json, ORDER as PLACED, ORDER_PAGE as at, renderApp, session } from "./harness";

const WS = "ws://127.0.0.1:3003";
const LIVE = { ...CONFIG, wsUrl: WS };
// A tenth of a millisecond after the order was placed, so a push for the placing is older than what the API answers.
const ORDER = { ...PLACED, updated_at: "2026-01-01T10:00:00.000100Z" };
const OTHER = { ...ORDER, id: "77aa0000-0000-4000-8000-000000000000" };

function push(message: unknown) {
  act(() => FakeWebSocket.last().push(message));
}

describe("live order status", () => {
  beforeEach(() => {
    FakeWebSocket.reset();
    vi.stubGlobal("WebSocket", FakeWebSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("given an open order page, when its status is pushed, then it shows without a reload and is announced politely", async () => {
    const api = fakeApi({ "GET /orders/*": () => json(ORDER) });
    renderApp(<OrderPage />, { api, config: LIVE, ...at });
    expect(await screen.findByTestId("order-status")).toHaveTextContent("Placed");
    expect(FakeWebSocket.last().url).toBe(`${WS}/?token=id-token-123`);
    act(() => FakeWebSocket.last().open());

    push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" });

    expect(screen.getByTestId("order-status")).toHaveTextContent("Shipped");
    expect(screen.queryByRole("button", { name: "Cancel order" })).toBeNull();
    const region = screen.getByTestId("live-announcement");
    expect(region).toHaveAttribute("aria-live", "polite");
    expect(region).toHaveTextContent("Order 0b1aa720 is now shipped.");
    expect(api.seen.filter((r) => r.path.startsWith("/orders")).map((r) => r.path)).toEqual([`/orders/${ORDER.id}`]);
  });

  it("given a newer status shown, when an older or repeated one arrives, then the view does not move backwards", async () => {
    const api = fakeApi({ "GET /orders/*": () => json(ORDER) });
    renderApp(<OrderPage />, { api, config: LIVE, ...at });
    await screen.findByTestId("order-status");
    push({ order_id: ORDER.id, status: "DELIVERED", updated_at: "2026-01-03T09:00:00Z" });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Delivered");

    push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Delivered");
    expect(screen.getByTestId("live-announcement")).toHaveTextContent("Order 0b1aa720 is now delivered.");
  });

  it("given the API answered a later state, when a message older than it arrives, then it is ignored", async () => {
    const api = fakeApi({ "GET /orders/*": () => json({ ...ORDER, status: "SHIPPED" }) });
    renderApp(<OrderPage />, { api, config: LIVE, ...at });
    expect(await screen.findByTestId("order-status")).toHaveTextContent("Shipped");
    // The push for the order's placing, a tenth of a millisecond older than what the API answered.
    push({ order_id: ORDER.id, status: "PLACED", updated_at: "2026-01-01T10:00:00.000000Z" });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Shipped");
    expect(screen.getByTestId("live-announcement")).toHaveTextContent("");
  });

  it("given versions in the messages, when a lower version arrives later, then it is ignored", async () => {
    const api = fakeApi({ "GET /orders/*": () => json(ORDER) });
    renderApp(<OrderPage />, { api, config: LIVE, ...at });
    await screen.findByTestId("order-status");
    push({ order_id: ORDER.id, status: "DELIVERED", updated_at: "2026-01-02T09:00:00Z", version: 3 });
    push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:01Z", version: 2 });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Delivered");
  });

  it("given the order list, when one order's status is pushed, then that row changes and the others do not", async () => {
    const api = fakeApi({ "GET /orders": () => json({ items: [ORDER, OTHER], next_cursor: null }) });
    renderApp(<OrdersPage />, { api, config: LIVE, path: "/orders" });
    const list = await screen.findByRole("list", { name: "Order list" });
    push({ order_id: OTHER.id, status: "CANCELLED", updated_at: "2026-01-02T09:00:00Z" });
    const rows = list.querySelectorAll(".order-row .status");
    expect([...rows].map((r) => r.textContent)).toEqual(["Placed", "Cancelled"]);
    expect(screen.getByTestId("live-announcement")).toHaveTextContent("Order 77aa0000 is now cancelled.");
    push({ order_id: "not-on-this-page", status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" });
    expect([...list.querySelectorAll(".order-row .status")].map((r) => r.textContent)).toEqual(["Placed", "Cancelled"]);
  });

  it("given a status pushed on the order's page, when the shopper opens the list and it answers older, then the list shows the pushed one", async () => {
    const api = fakeApi({
      "GET /orders": () => json({ items: [ORDER, OTHER], next_cursor: null }),
      "GET /orders/*": () => json(ORDER),
    });
    const pages = (
      <Routes>
        <Route path="/orders" element={<OrdersPage />} />
        <Route path="/orders/:id" element={<OrderPage />} />
      </Routes>
    );
    const user = userEvent.setup();
    renderApp(pages, { api, config: LIVE, path: `/orders/${ORDER.id}` });
    await screen.findByTestId("order-status");
    push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Shipped");

    await user.click(screen.getByRole("link", { name: "Order history" }));
    const list = await screen.findByRole("list", { name: "Order list" });
    expect([...list.querySelectorAll(".order-row .status")].map((r) => r.textContent)).toEqual(["Shipped", "Placed"]);
    expect(FakeWebSocket.instances).toHaveLength(1); // one connection for the app, kept across pages
  });

  it("given the connection drops, when the back-off has passed, then it reconnects and updates keep coming", async () => {
    const api = fakeApi({ "GET /orders/*": () => json(ORDER) });
    renderApp(<OrderPage />, { api, config: LIVE, ...at });
    await screen.findByTestId("order-status");
    vi.useFakeTimers();
    act(() => FakeWebSocket.last().open());
    act(() => FakeWebSocket.last().drop());
    expect(FakeWebSocket.instances).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1000)); // the first wait is 0.5–1 s
    expect(FakeWebSocket.instances).toHaveLength(2);
    act(() => FakeWebSocket.last().open());
    push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" });
    expect(screen.getByTestId("order-status")).toHaveTextContent("Shipped");
  });

  it("given no wsUrl in config.json, when the order pages open, then nothing connects and they work as before", async () => {
    const api = fakeApi({
      "GET /orders": () => json({ items: [ORDER], next_cursor: null }),
      "GET /orders/*": () => json(ORDER),
    });
    renderApp(<OrdersPage />, { api, path: "/orders" });
    expect(await screen.findByRole("list", { name: "Order list" })).toHaveTextContent("Placed");
    renderApp(<OrderPage />, { api, ...at });
    expect(await screen.findByTestId("order-status")).toHaveTextContent("Placed");
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it("given a signed-out visitor, when the order pages open, then nothing connects", async () => {
    const api = fakeApi({});
    renderApp(<OrdersPage />, { api, config: LIVE, path: "/orders", user: session({ signedIn: false }) });
    expect(await screen.findByText(/need to be signed in/)).toBeInTheDocument();
    expect(FakeWebSocket.instances).toHaveLength(0);
  });
});

describe("status stream hook", () => {
  beforeEach(() => {
    FakeWebSocket.reset();
    vi.stubGlobal("WebSocket", FakeWebSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  function Probe({ onUpdate }: { onUpdate: (u: StatusUpdate) => void }) {
    useOrderStatusStream(onUpdate);
    return null;
  }

  function Shown() {
    const { live } = useLiveOrders([ORDER as typeof ORDER & { status: "PLACED" }]);
    return <p data-testid="shown">{live(ORDER as typeof ORDER & { status: "PLACED" }).status}</p>;
  }

  function Harness({ children }: { children: ReactNode }) {
    const [signedIn, setSignedIn] = useState(true);
    const user = session({ signedIn, idToken: () => (signedIn ? "tok" : undefined) });
    return (
      <ConfigProvider config={LIVE}>
        <MemoryRouter>
          <StaticSessionProvider session={user}>
            <ApiProvider api={createApi(API, user.idToken, fetch)}>
              <button type="button" onClick={() => setSignedIn(false)}>
                Sign out
              </button>
              {children}
            </ApiProvider>
          </StaticSessionProvider>
        </MemoryRouter>
      </ConfigProvider>
    );
  }

  it("given a connection, when the user signs out, then it is closed and never reopened", () => {
    vi.useFakeTimers();
    const seen: StatusUpdate[] = [];
    render(
      <Harness>
        <Probe onUpdate={(u) => seen.push(u)} />
      </Harness>,
    );
    const socket = FakeWebSocket.last();
    expect(socket.token).toBe("tok");
    act(() => socket.open());
    act(() => socket.push({ order_id: "o1", status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" }));
    expect(seen).toHaveLength(1);

    act(() => screen.getByRole("button", { name: "Sign out" }).click());
    expect(socket.closedByClient?.code).toBe(1000);
    act(() => vi.advanceTimersByTime(120_000));
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.useRealTimers();
  });

  it("given pushed statuses, when the user signs out, then they are forgotten", () => {
    render(
      <Harness>
        <LiveOrdersProvider>
          <Shown />
        </LiveOrdersProvider>
      </Harness>,
    );
    act(() => FakeWebSocket.last().push({ order_id: ORDER.id, status: "SHIPPED", updated_at: "2026-01-02T09:00:00Z" }));
    expect(screen.getByTestId("shown")).toHaveTextContent("SHIPPED");
    act(() => screen.getByRole("button", { name: "Sign out" }).click());
    expect(screen.getByTestId("shown")).toHaveTextContent("PLACED");
  });
});
