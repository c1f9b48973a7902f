import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { OrderPage } from "../src/pages/OrderPage";
import { OrdersPage } from "../src/pages/OrdersPage";
import { fakeApi, json, ORDER, ORDER_PAGE as at, problem, renderApp, session } from "./harness";

describe("order page", () => {
  it("given a placed order, when the shopper cancels it, then it shows Cancelled and Cancel order is gone", async () => {
    const api = fakeApi({
      "GET /orders/*": () => json(ORDER),
      "POST /orders/*/cancel": () => json({ ...ORDER, status: "CANCELLED" }),
    });
    const user = userEvent.setup();
    renderApp(<OrderPage />, { api, ...at });
    expect(await screen.findByText("$59.98", { selector: "tfoot .money" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Mark shipped" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Cancel order" }));
    expect(await screen.findByTestId("order-status")).toHaveTextContent("Cancelled");
    expect(screen.queryByRole("button", { name: "Cancel order" })).toBeNull();
  });

  it("given an admin, when moving an order on, then Mark shipped then Mark delivered send those statuses", async () => {
    let status = "PLACED";
    const api = fakeApi({
      "GET /orders/*": () => json({ ...ORDER, status }),
      "PUT /orders/*/status": (r) => {
        status = (r.body as { status: string }).status;
        return json({ ...ORDER, status });
      },
    });
    const user = userEvent.setup();
    renderApp(<OrderPage />, { api, user: session({ groups: ["admin"] }), ...at });
    await user.click(await screen.findByRole("button", { name: "Mark shipped" }));
    expect(await screen.findByTestId("order-status")).toHaveTextContent("Shipped");
    await user.click(screen.getByRole("button", { name: "Mark delivered" }));
    expect(await screen.findByText("Delivered", { selector: "[data-testid=order-status]" })).toBeInTheDocument();
    expect(api.seen.filter((r) => r.method === "PUT").map((r) => r.body)).toEqual([{ status: "SHIPPED" }, { status: "DELIVERED" }]);
  });

  it("given the order moved on meanwhile, when cancelled, then the refusal is explained", async () => {
    const api = fakeApi({
      "GET /orders/*": () => json(ORDER),
      "POST /orders/*/cancel": () => problem(409, "invalid-status-transition", "Order status cannot change so"),
    });
    const user = userEvent.setup();
    renderApp(<OrderPage />, { api, ...at });
    await user.click(await screen.findByRole("button", { name: "Cancel order" }));
    expect(await screen.findByText(/status has changed/)).toBeInTheDocument();
  });

  it("given someone else's order, when opened, then it is not found", async () => {
    const api = fakeApi({ "GET /orders/*": () => problem(404, "order-not-found", "Order not found") });
    renderApp(<OrderPage />, { api, ...at });
    expect(await screen.findByRole("heading", { name: "Order not found" })).toBeInTheDocument();
  });
});

describe("orders page", () => {
  it("given orders, when listed, then each links to its page with status and total", async () => {
    const api = fakeApi({ "GET /orders": () => json({ items: [ORDER], next_cursor: null }) });
    renderApp(<OrdersPage />, { api, path: "/orders" });
    const list = await screen.findByRole("list", { name: "Order list" });
    expect(list).toHaveTextContent("Placed");
    expect(list).toHaveTextContent("2 items, $59.98");
    expect(screen.getByRole("link", { name: /^Order of / })).toHaveAttribute("href", `/orders/${ORDER.id}`);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("given an order of a single item, when listed, then it reads 1 item", async () => {
    const line = { ...ORDER.items[0]!, quantity: 1, line_total_cents: ORDER.items[0]!.unit_price_cents };
    const single = { ...ORDER, items: [line], total_cents: line.line_total_cents };
    const api = fakeApi({ "GET /orders": () => json({ items: [single], next_cursor: null }) });
    renderApp(<OrdersPage />, { api, path: "/orders" });
    const list = await screen.findByRole("list", { name: "Order list" });
    expect(list).toHaveTextContent("Placed1 item, $29.99");
    expect(list).not.toHaveTextContent("1 items");
  });
});
