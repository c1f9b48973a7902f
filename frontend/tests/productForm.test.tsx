import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ProductForm } from "../src/admin/ProductForm";
import { parseProductForm, EMPTY_PRODUCT_FORM } from "../src/admin/productForm";
import { fakeApi, json, PRODUCT, problem, renderApp, session } from "./harness";

const admin = session({ groups: ["admin"] });

describe("admin product form", () => {
  it("given an edit, when saved, then PATCH sends If-Match with the version read and the price in cents", async () => {
    const api = fakeApi({
      "GET /products/p1": () => json(PRODUCT),
      "PATCH /products/p1": (r) => json({ ...PRODUCT, ...(r.body as object), version: 5 }),
    });
    const user = userEvent.setup();
    renderApp(<ProductForm />, { api, user: admin, path: "/admin/products/p1", route: "/admin/products/:id" });
    const price = await screen.findByLabelText("Price");
    expect(price).toHaveValue("84.99");
    await user.clear(price);
    await user.type(price, "79.50");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    const patch = api.seen.find((r) => r.method === "PATCH");
    expect(patch?.headers.get("If-Match")).toBe('"4"');
    expect(patch?.body).toMatchObject({ price_cents: 7950, stock: 3, name: "Wireless Headphones" });
  });

  it("given someone else changed the product, when saved, then 412 says so and Reload shows their version", async () => {
    let version = 4;
    const api = fakeApi({
      "GET /products/p1": () => json({ ...PRODUCT, version, stock: version === 4 ? 3 : 9 }),
      "PATCH /products/p1": () => problem(412, "version-mismatch", "Product version has changed"),
    });
    const user = userEvent.setup();
    renderApp(<ProductForm />, { api, user: admin, path: "/admin/products/p1", route: "/admin/products/:id" });
    await user.type(await screen.findByLabelText("Name"), " Pro");
    version = 5;
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText(/Someone else changed this product/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Reload" }));
    await waitFor(() => expect(screen.getByLabelText("Stock")).toHaveValue("9"));
    expect(screen.getByLabelText("Name")).toHaveValue("Wireless Headphones");
  });

  it("given a new product, when the API refuses a field, then that field shows the message", async () => {
    const api = fakeApi({
      "POST /products": () =>
        problem(422, "validation-failed", "Request is not valid", {
          errors: [{ loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" }],
        }),
    });
    const user = userEvent.setup();
    renderApp(<ProductForm />, { api, user: admin, path: "/admin/products/new", route: "/admin/products/new" });
    await user.type(screen.getByLabelText("Price"), "5");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("String should have at least 1 character");
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
  });

  it("given form text, when parsed, then empty optional fields become null and bad numbers are refused", () => {
    const parsed = parseProductForm({ ...EMPTY_PRODUCT_FORM, name: "K", category: "kitchen", price: "12.5", stock: "4", tags: "a, ,b" });
    expect(parsed).toEqual({
      ok: true,
      body: { name: "K", category: "kitchen", brand: null, description: null, price_cents: 1250, currency: "USD", stock: 4, tags: ["a", "b"] },
    });
    expect(parseProductForm({ ...EMPTY_PRODUCT_FORM, price: "x", stock: "-1" })).toEqual({
      ok: false,
      errors: { price: "Enter a price such as 12.99", stock: "Enter a whole number, 0 or more" },
    });
    expect(parseProductForm({ ...EMPTY_PRODUCT_FORM, price: "1", currency: "usdx" })).toMatchObject({ ok: false, errors: { currency: expect.any(String) } });
  });
});
