import { act, renderHook, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { AdminProducts } from "../src/admin/AdminProducts";
import { ApiError, NetworkError } from "../src/lib/problem";
import { usePagedList, type CursorPage } from "../src/lib/usePagedList";
import { HomePage } from "../src/pages/HomePage";
import { OrdersPage } from "../src/pages/OrdersPage";
import { fakeApi, json, ORDER, PRODUCT, problem, renderApp } from "./harness";

/** A request the test answers (or fails) when it chooses. */
interface Pending {
  cursor: string | undefined;
  query: string;
  answer: (page: CursorPage<string>) => Promise<void>;
  fail: (error: unknown) => Promise<void>;
}

function pagedSource() {
  const requests: Pending[] = [];
  const fetchPage = (query: string) => (cursor: string | undefined) =>
    new Promise<CursorPage<string>>((resolve, reject) => {
      requests.push({
        cursor,
        query,
        answer: (page) => act(async () => resolve(page)),
        fail: (error) => act(async () => reject(error)),
      });
    });
  return { requests, fetchPage, last: () => requests.at(-1)! };
}

describe("paged list hook", () => {
  it("given a first page with a cursor, when more is loaded, then the next page is fetched by that cursor and appended", async () => {
    const source = pagedSource();
    const { result } = renderHook(() => usePagedList(source.fetchPage("q"), ["q"]));
    expect(result.current.loading).toBe(true);
    expect(result.current.next).toBeUndefined();
    await source.last().answer({ items: ["a", "b"], next_cursor: "c2" });
    expect(result.current).toMatchObject({ items: ["a", "b"], next: "c2", loading: false, error: null, empty: false });

    act(() => result.current.loadMore());
    expect(source.last().cursor).toBe("c2");
    expect(result.current.loading).toBe(true);
    await source.last().answer({ items: ["c"], next_cursor: null });
    expect(result.current).toMatchObject({ items: ["a", "b", "c"], next: null, loading: false, empty: false });

    act(() => result.current.loadMore());
    expect(source.requests.map((r) => r.cursor)).toEqual([undefined, "c2"]);
  });

  it("given an error on load more, when it fails, then the loaded items stay with the error, and retry fetches that page again", async () => {
    const source = pagedSource();
    const { result } = renderHook(() => usePagedList(source.fetchPage("q"), ["q"]));
    await source.last().answer({ items: ["a"], next_cursor: "c2" });
    act(() => result.current.loadMore());
    const down = new NetworkError(new TypeError("Failed to fetch"));
    await source.last().fail(down);
    expect(result.current).toMatchObject({ items: ["a"], next: "c2", loading: false, error: down, empty: false });

    act(() => result.current.retry());
    expect(result.current.error).toBeNull();
    expect(source.last().cursor).toBe("c2");
    await source.last().answer({ items: ["b"] });
    expect(result.current).toMatchObject({ items: ["a", "b"], next: null, error: null });
  });

  it("given the first page fails, when retried, then the first page is fetched again", async () => {
    const source = pagedSource();
    const { result } = renderHook(() => usePagedList(source.fetchPage("q"), ["q"]));
    const error = new ApiError({ type: "urn:shop:problem:internal", title: "Internal error", status: 500 });
    await source.last().fail(error);
    expect(result.current).toMatchObject({ items: [], next: undefined, loading: false, error, empty: false });
    act(() => result.current.retry());
    expect(source.requests.map((r) => r.cursor)).toEqual([undefined, undefined]);
    await source.last().answer({ items: [], next_cursor: null });
    expect(result.current).toMatchObject({ items: [], next: null, error: null, empty: true });
  });

  it("given a new query while a page is loading, when both answer, then only the new query's first page counts", async () => {
    const source = pagedSource();
    const { result, rerender } = renderHook(({ q }) => usePagedList(source.fetchPage(q), [q]), { initialProps: { q: "old" } });
    await source.last().answer({ items: ["old-1"], next_cursor: "old-c2" });
    act(() => result.current.loadMore());
    const staleMore = source.last();

    rerender({ q: "new" });
    const fresh = source.last();
    expect(fresh).toMatchObject({ query: "new", cursor: undefined });
    expect(result.current.next).toBeUndefined(); // the old query's cursor is forgotten
    await staleMore.answer({ items: ["old-2"], next_cursor: null });
    expect(result.current).toMatchObject({ items: ["old-1"], loading: true });
    await fresh.answer({ items: ["new-1"], next_cursor: "new-c2" });
    expect(result.current).toMatchObject({ items: ["new-1"], next: "new-c2", loading: false });
  });

  it("given it is not enabled, when rendered, then nothing is fetched until it is", async () => {
    const source = pagedSource();
    const { result, rerender } = renderHook(({ on }) => usePagedList(source.fetchPage("q"), ["q"], { enabled: on }), {
      initialProps: { on: false },
    });
    expect(source.requests).toHaveLength(0);
    expect(result.current).toMatchObject({ items: [], loading: false, empty: false });
    rerender({ on: true });
    expect(source.requests).toHaveLength(1);
    await source.last().answer({ items: ["a"] });
    expect(result.current.items).toEqual(["a"]);
  });
});

describe("paged pages", () => {
  it("given the home page, when it loads and more is asked for, then products come 12 at a time by the API's cursor", async () => {
    const api = fakeApi({
      "GET /search": () => json({ items: [], total: 0, facets: { category: [], brand: [], price: [] } }),
      "GET /products": (r) => json(r.search.includes("cursor") ? { items: [], next_cursor: null } : { items: [PRODUCT], next_cursor: "n2" }),
    });
    const user = userEvent.setup();
    renderApp(<HomePage />, { api });
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Load more" })).toBeNull());
    expect(api.seen.filter((r) => r.path === "/products").map((r) => r.search)).toEqual(["?limit=12", "?limit=12&cursor=n2"]);
    expect(screen.queryByText("No products yet.")).toBeNull();
  });

  it("given no products, when the home page loads, then it says so", async () => {
    const api = fakeApi({
      "GET /search": () => json({ items: [], total: 0, facets: { category: [], brand: [], price: [] } }),
      "GET /products": () => json({ items: [], next_cursor: null }),
    });
    renderApp(<HomePage />, { api });
    expect(await screen.findByText("No products yet.")).toBeInTheDocument();
  });

  it("given an admin's product table, when Load more fails, then the loaded rows stay, the error shows, and Try again loads that page", async () => {
    let failing = true;
    const api = fakeApi({
      "GET /products": (r) => {
        if (!r.search.includes("cursor=n2")) return json({ items: [PRODUCT], next_cursor: "n2" });
        if (failing) return problem(503, "service-unavailable", "Service unavailable");
        return json({ items: [{ ...PRODUCT, id: "p9", name: "Last one" }], next_cursor: null });
      },
    });
    const user = userEvent.setup();
    renderApp(<AdminProducts />, { api });
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    const alert = await screen.findByRole("alert");
    expect(screen.getByRole("link", { name: PRODUCT.name })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Load more" })).toBeInTheDocument();

    failing = false;
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Last one" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: PRODUCT.name })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(api.seen.filter((r) => r.path === "/products").map((r) => r.search)).toEqual(["?limit=50", "?limit=50&cursor=n2", "?limit=50&cursor=n2"]);
  });

  it("given no orders, when the orders page loads, then it asks for 20 and says there are none yet", async () => {
    const api = fakeApi({ "GET /orders": () => json({ items: [], next_cursor: null }) });
    renderApp(<OrdersPage />, { api, path: "/orders" });
    expect(await screen.findByText(/No orders yet\./)).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Order list" })).toBeNull();
    expect(api.seen.filter((r) => r.path === "/orders").map((r) => r.search)).toEqual(["?limit=20"]);
  });

  it("given more orders than a page, when Load more is pressed, then the next page is appended to the list", async () => {
    const api = fakeApi({
      "GET /orders": (r) =>
        json(r.search.includes("cursor=o2") ? { items: [{ ...ORDER, id: "o-2" }], next_cursor: null } : { items: [ORDER], next_cursor: "o2" }),
    });
    const user = userEvent.setup();
    renderApp(<OrdersPage />, { api, path: "/orders" });
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByRole("link", { name: /^Order of / })).toHaveLength(2));
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(api.seen.filter((r) => r.path === "/orders").map((r) => r.search)).toEqual(["?limit=20", "?limit=20&cursor=o2"]);
  });
});
