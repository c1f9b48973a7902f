import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { CheckoutPage } from "../src/pages/CheckoutPage";
import { CART, fakeApi, json, PRODUCT, problem, renderApp } from "./harness";

const ORDER = {
  id: "o-1",
  user_id: "alice",
  items: [],
  total_cents: 21997,
  currency: "USD",
  status: "PLACED",
  shipping_address: { name: "Ada", line1: "1 Road", city: "Town", postal_code: "1", country: "GB" },
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

async function fillAddress(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText("Full name"), "Ada Lovelace");
  await user.type(screen.getByLabelText("Address line 1"), "12 St James's Square");
  await user.type(screen.getByLabelText("City"), "London");
  await user.type(screen.getByLabelText("Postal code"), "SW1Y 4JH");
  await user.clear(screen.getByLabelText("Country"));
  await user.type(screen.getByLabelText("Country"), "gb");
}

function apiWith(placeOrder: Parameters<typeof fakeApi>[0][string]) {
  return fakeApi({
    "GET /cart": () => json(CART),
    "GET /products/*": (r) => json({ ...PRODUCT, id: r.path.split("/").pop(), name: r.path.endsWith("p2") ? "Copper Kettle" : PRODUCT.name }),
    "POST /orders": placeOrder,
  });
}

describe("checkout page", () => {
  it("given a 503, when the shopper tries again, then the retry sends the same Idempotency-Key and the order page opens", async () => {
    let calls = 0;
    const api = apiWith(() => (++calls === 1 ? problem(503, "checkout-unavailable", "Checkout is unavailable") : json(ORDER, 201)));
    const user = userEvent.setup();
    renderApp(<CheckoutPage />, { api });
    await screen.findByText(/Wireless Headphones/);
    await fillAddress(user);
    await user.click(screen.getByRole("button", { name: "Place order" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/Checkout is unavailable/);
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/o-1"));
    const posts = api.seen.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0]!.headers.get("Idempotency-Key")).toBeTruthy();
    expect(posts[1]!.headers.get("Idempotency-Key")).toBe(posts[0]!.headers.get("Idempotency-Key"));
    expect(posts[0]!.headers.get("Authorization")).toBe("Bearer id-token-123");
    expect(posts[0]!.body).toEqual({
      shipping_address: { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postal_code: "SW1Y 4JH", country: "GB" },
    });
  });

  it("given a double click on Place order, when the first is still running, then one request is sent", async () => {
    let release: () => void = () => undefined;
    const api = apiWith(() => new Promise((resolve) => (release = () => resolve(json(ORDER, 201)))));
    const user = userEvent.setup();
    renderApp(<CheckoutPage />, { api });
    await screen.findByText(/Wireless Headphones/);
    await fillAddress(user);
    await user.dblClick(screen.getByRole("button", { name: "Place order" }));
    release();
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/orders/o-1"));
    expect(api.seen.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("given a 422 naming fields, when shown, then each field carries its own message", async () => {
    const api = apiWith(() =>
      problem(422, "validation-failed", "Request is not valid", {
        errors: [{ loc: ["body", "shipping_address", "postal_code"], msg: "String should have at least 1 character", type: "string_too_short" }],
      }),
    );
    const user = userEvent.setup();
    renderApp(<CheckoutPage />, { api });
    await screen.findByText(/Wireless Headphones/);
    await user.click(screen.getByRole("button", { name: "Place order" }));
    const postal = screen.getByLabelText("Postal code");
    await waitFor(() => expect(postal).toHaveAttribute("aria-invalid", "true"));
    expect(postal).toHaveAccessibleDescription("String should have at least 1 character");
    expect(screen.getByLabelText("Address line 2")).toHaveAccessibleName("Address line 2");
    expect(screen.getByLabelText("City")).not.toHaveAttribute("aria-invalid");
  });

  it("given out-of-stock, when shown, then the message names the short products", async () => {
    const api = apiWith(() =>
      problem(409, "out-of-stock", "Not enough stock", { detail: "not enough stock for products: p2" }),
    );
    const user = userEvent.setup();
    renderApp(<CheckoutPage />, { api });
    await screen.findByText(/Wireless Headphones/);
    await fillAddress(user);
    await user.click(screen.getByRole("button", { name: "Place order" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Not enough stock for: Copper Kettle.");
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
  });

  it("given cart-empty, when shown, then says the cart is empty", async () => {
    const api = apiWith(() => problem(422, "cart-empty", "Cart is empty", { detail: "the cart is empty" }));
    const user = userEvent.setup();
    renderApp(<CheckoutPage />, { api });
    await screen.findByText(/Wireless Headphones/);
    await fillAddress(user);
    await user.click(screen.getByRole("button", { name: "Place order" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/cart is empty/i);
  });
});
