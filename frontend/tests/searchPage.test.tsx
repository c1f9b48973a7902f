import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SearchPage } from "../src/pages/SearchPage";
import { fakeApi, json, PRODUCT, problem, renderApp } from "./harness";

const XSS_NAME = "<img src=x onerror=alert(1)>";

function results(extra: Partial<Record<string, unknown>> = {}) {
  return {
    items: [
      { ...PRODUCT, highlight: { name: ["<em>Wireless</em> Headphones"] } },
      { ...PRODUCT, id: "p2", name: XSS_NAME, brand: "Northbeat", highlight: { name: ["&lt;<em>img</em> src=x onerror=alert(1)&gt;"] } },
    ],
    total: 2,
    facets: {
      category: [{ value: "audio", count: 2 }],
      brand: [
        { value: "Northbeat", count: 1 },
        { value: "Sonara", count: 1 },
      ],
      price: [
        { from: null, to: 2500, count: 0 },
        { from: 2500, to: 10000, count: 2 },
        { from: 10000, to: null, count: 0 },
      ],
      category_other_count: 0,
      brand_other_count: 4,
      brand_missing_count: 1,
    },
    next_cursor: "c2",
    ...extra,
  };
}

describe("search page", () => {
  it("given a query in the URL, when results come, then names show highlighted and the XSS name is only text", async () => {
    const api = fakeApi({ "GET /search": () => json(results()) });
    const { container } = renderApp(<SearchPage />, { api, path: "/search?q=wireles" });
    const list = await screen.findByRole("list", { name: "Search results" });
    expect(within(list).getByRole("link", { name: "Wireless Headphones" })).toBeInTheDocument();
    expect(within(list).getByRole("link", { name: XSS_NAME })).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect([...list.querySelectorAll("em")].map((e) => e.textContent)).toEqual(["Wireless", "img"]);
    expect(api.seen[0]!.search).toBe("?q=wireles&limit=20");
  });

  it("given facets with counts, when a brand is picked, then the URL and the API query carry it; clearing removes it", async () => {
    const api = fakeApi({ "GET /search": () => json(results()) });
    const user = userEvent.setup();
    renderApp(<SearchPage />, { api, path: "/search?q=wireles" });
    const brand = await screen.findByRole("group", { name: "Brand" });
    expect(within(screen.getByRole("group", { name: "Category" })).getByRole("checkbox", { name: /audio \(2\)/ })).toBeInTheDocument();
    expect(brand).toHaveTextContent("4 more of other brands");
    expect(brand).toHaveTextContent("1 more without a brand");
    expect(screen.getByRole("group", { name: "Category" })).not.toHaveTextContent("more in other categories");
    await user.click(within(brand).getByRole("checkbox", { name: /Sonara/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/search?q=wireles&brand=Sonara"));
    await waitFor(() => expect(api.seen.at(-1)!.search).toBe("?q=wireles&brand=Sonara&limit=20"));
    await user.click(within(screen.getByRole("group", { name: "Price" })).getByRole("radio", { name: /\$25\.00 to \$100\.00/ }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("price=2500-10000"));
    await waitFor(() => expect(api.seen.at(-1)!.search).toContain("min_price=2500&max_price=9999"));
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/search\?q=wireles$/));
  });

  it("given a next cursor, when Load more is pressed, then the next page is appended", async () => {
    const api = fakeApi({
      "GET /search": (r) =>
        r.search.includes("cursor=c2")
          ? json(results({ items: [{ ...PRODUCT, id: "p3", name: "Third", highlight: {} }], next_cursor: null }))
          : json(results()),
    });
    const user = userEvent.setup();
    renderApp(<SearchPage />, { api, path: "/search?sort=price_asc" });
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    const list = screen.getByRole("list", { name: "Search results" });
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(api.seen.at(-1)!.search).toBe("?sort=price_asc&limit=20&cursor=c2");
  });

  it("given search is down, when the page loads, then says so and offers to try again", async () => {
    let calls = 0;
    const api = fakeApi({
      "GET /search": () => (++calls === 1 ? problem(503, "search-unavailable", "Search is unavailable") : json(results())),
    });
    const user = userEvent.setup();
    renderApp(<SearchPage />, { api, path: "/search?q=x" });
    expect(await screen.findByRole("alert")).toHaveTextContent(/Search is unavailable/);
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("list", { name: "Search results" })).toBeInTheDocument();
  });
});
