import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { HomePage } from "../src/pages/HomePage";
import { ProductPage } from "../src/pages/ProductPage";
import { fakeApi, json, PRODUCT, problem, renderApp, session } from "./harness";

function productApi(stock: number) {
  let quantity = 0;
  return fakeApi({
    "GET /products/p1": () => json({ ...PRODUCT, stock }),
    "GET /cart": () => json({ items: quantity ? [{ product_id: "p1", name: PRODUCT.name, unit_price_cents: 8499, quantity, line_total_cents: 8499 * quantity }] : [], total_cents: 8499 * quantity }),
    "PUT /cart/items/p1": (r) => {
      quantity = (r.body as { quantity: number }).quantity;
      return json({ items: [{ product_id: "p1", name: PRODUCT.name, unit_price_cents: 8499, quantity, line_total_cents: 8499 * quantity }], total_cents: 8499 * quantity });
    },
  });
}

const at = { path: "/products/p1", route: "/products/:id" };

describe("product page", () => {
  it("given low stock, when shown, then says how many are left and adding puts one more in the cart", async () => {
    const api = productApi(3);
    const user = userEvent.setup();
    renderApp(<ProductPage />, { api, ...at });
    expect(await screen.findByRole("heading", { level: 1, name: PRODUCT.name })).toBeInTheDocument();
    expect(screen.getByText("Only 3 left")).toBeInTheDocument();
    expect(screen.getByText("$84.99")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add to cart" }));
    expect(await screen.findByText("Added to cart (1 in your cart).")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add to cart" }));
    expect(await screen.findByText("Added to cart (2 in your cart).")).toBeInTheDocument();
    expect(api.seen.filter((r) => r.method === "PUT").map((r) => r.body)).toEqual([{ quantity: 1 }, { quantity: 2 }]);
  });

  it("given no stock, when shown, then says Out of stock and Add to cart is disabled", async () => {
    renderApp(<ProductPage />, { api: productApi(0), ...at });
    expect(await screen.findByText("Out of stock")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Add to cart" })).toBeDisabled();
  });

  it("given nobody signed in, when Add to cart is pressed, then sign-in starts and comes back to the product", async () => {
    const signIn = vi.fn(async () => undefined);
    const user = userEvent.setup();
    renderApp(<ProductPage />, { api: productApi(10), user: session({ signedIn: false, idToken: () => undefined, signIn }), ...at });
    await user.click(await screen.findByRole("button", { name: "Add to cart" }));
    expect(signIn).toHaveBeenCalledWith("/products/p1");
  });

  it("given an unknown id, when opened, then says not found", async () => {
    const api = fakeApi({ "GET /products/*": () => problem(404, "product-not-found", "Product not found") });
    renderApp(<ProductPage />, { api, path: "/products/nope", route: "/products/:id" });
    expect(await screen.findByRole("heading", { name: "Product not found" })).toBeInTheDocument();
  });
});

describe("home page", () => {
  it("given more products than a page, when Load more is pressed, then the next page comes from the API's cursor", async () => {
    const api = fakeApi({
      "GET /search": () => json({ items: [], total: 0, facets: { category: [{ value: "audio", count: 4 }], brand: [], price: [] } }),
      "GET /products": (r) =>
        r.search.includes("cursor=next")
          ? json({ items: [{ ...PRODUCT, id: "p9", name: "Last one" }], next_cursor: null })
          : json({ items: [PRODUCT], next_cursor: "next" }),
    });
    const user = userEvent.setup();
    renderApp(<HomePage />, { api });
    expect(await screen.findByRole("link", { name: /audio/ })).toHaveAttribute("href", "/search?category=audio");
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "Last one" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: PRODUCT.name })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("button", { name: "Load more" })).toBeNull());
    expect(screen.getByRole("heading", { level: 1, name: "Newest products" })).toBeInTheDocument();
  });
});
