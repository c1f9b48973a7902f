import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { CartPage } from "../src/pages/CartPage";
import { CART, fakeApi, json, PRODUCT, problem, renderApp, session } from "./harness";

function cartApi() {
  let cart = structuredClone(CART);
  return fakeApi({
    "GET /cart": () => json(cart),
    "GET /products/*": (r) => json({ ...PRODUCT, id: r.path.split("/").pop(), stock: 50 }),
    "PUT /cart/items/*": (r) => {
      const id = r.path.split("/").pop();
      const quantity = (r.body as { quantity: number }).quantity;
      cart = {
        items: cart.items.map((l) => (l.product_id === id ? { ...l, quantity, line_total_cents: l.unit_price_cents * quantity } : l)),
        total_cents: 0,
      };
      cart.total_cents = cart.items.reduce((n, l) => n + l.line_total_cents, 0);
      return json(cart);
    },
    "DELETE /cart/items/*": (r) => {
      const id = r.path.split("/").pop();
      cart = { items: cart.items.filter((l) => l.product_id !== id), total_cents: 0 };
      cart.total_cents = cart.items.reduce((n, l) => n + l.line_total_cents, 0);
      return json(cart);
    },
  });
}

describe("cart page", () => {
  it("given a cart, when shown, then lines, line totals and the total are formatted in the products' currency", async () => {
    renderApp(<CartPage />, { api: cartApi() });
    const lines = await screen.findByRole("list", { name: "Cart lines" });
    expect(within(lines).getAllByRole("listitem")).toHaveLength(2);
    expect(lines).toHaveTextContent("$169.98");
    expect(screen.getByTestId("cart-total")).toHaveTextContent("$219.97");
    expect(screen.getByRole("link", { name: "Checkout" })).toHaveAttribute("href", "/checkout");
  });

  it("given the stepper, when increased, then the line is set to one more and totals follow the API", async () => {
    const api = cartApi();
    const user = userEvent.setup();
    renderApp(<CartPage />, { api });
    await user.click(await screen.findByRole("button", { name: "Increase quantity of Copper Kettle" }));
    await waitFor(() => expect(screen.getByTestId("cart-total")).toHaveTextContent("$269.96"));
    const put = api.seen.find((r) => r.method === "PUT");
    expect(put?.path).toBe("/cart/items/p2");
    expect(put?.body).toEqual({ quantity: 2 });
  });

  it("given a typed quantity over 99, when committed, then 99 is sent", async () => {
    const api = cartApi();
    const user = userEvent.setup();
    renderApp(<CartPage />, { api });
    const input = await screen.findByRole("spinbutton", { name: "Quantity of Wireless Headphones" });
    await user.clear(input);
    await user.type(input, "150{Enter}");
    await waitFor(() => expect(api.seen.find((r) => r.method === "PUT")?.body).toEqual({ quantity: 99 }));
    expect(screen.getByRole("button", { name: "Decrease quantity of Copper Kettle" })).toBeDisabled();
  });

  it("given a line, when removed, then it leaves the cart", async () => {
    const api = cartApi();
    const user = userEvent.setup();
    renderApp(<CartPage />, { api });
    await user.click(await screen.findByRole("button", { name: "Remove Copper Kettle" }));
    await waitFor(() => expect(screen.queryByText("Copper Kettle")).toBeNull());
    expect(screen.getByTestId("cart-total")).toHaveTextContent("$169.98");
  });

  it("given a failed update, when shown, then the line says why and keeps its quantity", async () => {
    const api = fakeApi({
      "GET /cart": () => json(CART),
      "GET /products/*": () => json(PRODUCT),
      "PUT /cart/items/*": () => problem(409, "cart-full", "Cart is full"),
    });
    const user = userEvent.setup();
    renderApp(<CartPage />, { api });
    await user.click(await screen.findByRole("button", { name: "Increase quantity of Copper Kettle" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/cart is full/i);
    expect(screen.getByRole("spinbutton", { name: "Quantity of Copper Kettle" })).toHaveValue(1);
  });

  it("given nobody signed in, when the cart opens, then asks to sign in and calls nothing", () => {
    const api = cartApi();
    renderApp(<CartPage />, { api, user: session({ signedIn: false, idToken: () => undefined }) });
    expect(screen.getByText(/need to be signed in/)).toBeInTheDocument();
    expect(api.seen).toHaveLength(0);
  });
});
