import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Header, OfflineBanner } from "../src/components/Layout";
import { CART, fakeApi, json, renderApp, session } from "./harness";
import { act } from "react";

describe("header", () => {
  it("given a shopper, when the header shows, then there is no Admin link and the cart badge counts items", async () => {
    const api = fakeApi({ "GET /cart": () => json(CART) });
    renderApp(<Header />, { api, user: session({ groups: [] }) });
    const cart = screen.getByRole("link", { name: "Cart" });
    expect(await screen.findByTestId("cart-count")).toHaveTextContent("3");
    expect(cart).toHaveAccessibleDescription("3 items");
    expect(screen.queryByRole("link", { name: "Admin" })).toBeNull();
    expect(screen.getByRole("link", { name: "Orders" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
    expect(screen.getByRole("searchbox", { name: "Search" })).toBeInTheDocument();
  });

  it("given an admin, when the header shows, then the Admin link is there", () => {
    const api = fakeApi({ "GET /cart": () => json({ items: [], total_cents: 0 }) });
    renderApp(<Header />, { api, user: session({ groups: ["admin"] }) });
    expect(screen.getByRole("link", { name: "Admin" })).toHaveAttribute("href", "/admin");
  });

  it("given nobody signed in, when the header shows, then only Sign in and the cart show, and no cart is fetched", () => {
    const api = fakeApi({});
    renderApp(<Header />, { api, user: session({ signedIn: false, idToken: () => undefined }) });
    expect(screen.getByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Orders" })).toBeNull();
    expect(screen.getByTestId("cart-count")).toHaveTextContent("0");
    expect(api.seen).toHaveLength(0);
  });
});

describe("offline banner", () => {
  it("given the browser goes offline, when the banner listens, then says You are offline until back online", () => {
    const api = fakeApi({});
    renderApp(<OfflineBanner />, { api });
    expect(screen.queryByText("You are offline.")).toBeNull();
    const onLine = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    act(() => {
      window.dispatchEvent(new Event("offline"));
    });
    expect(screen.getByRole("status")).toHaveTextContent("You are offline.");
    onLine.mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event("online"));
    });
    expect(screen.queryByText("You are offline.")).toBeNull();
    onLine.mockRestore();
  });
});
