import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { createApi } from "../src/api/client";
import { StaticSessionProvider, type Session } from "../src/app/auth";
import { CartProvider } from "../src/app/cart";
import { ApiProvider, ConfigProvider } from "../src/app/context";
import { LiveOrdersProvider } from "../src/app/liveOrders";
import type { AppConfig } from "../src/lib/config";

export const API = "http://api.test";
export const CONFIG: AppConfig = {
  apiUrl: API,
  oidc: { authority: "http://issuer.test", clientId: "client", scope: "openid profile email" },
};

export interface Seen {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
}

type Handler = (request: Seen) => Response | Promise<Response>;

/** A fake API: routes "METHOD /path" to handlers (first match wins; `*` matches one path segment); records every request. */
export function fakeApi(routes: Record<string, Handler>) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    const entry: Seen = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(entry);
    for (const [key, handler] of Object.entries(routes)) {
      const [method, pattern] = key.split(" ");
      const regex = new RegExp(`^${(pattern ?? "").replace(/\*/g, "[^/]+")}$`);
      if (method === request.method && regex.test(url.pathname)) return handler(entry);
    }
    return problem(404, "route-not-found", "No such route");
  };
  return { fetch, seen };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function problem(status: number, slug: string, title: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ type: `urn:shop:problem:${slug}`, title, status, ...extra }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

export function session(overrides: Partial<Session> = {}): Session {
  const groups = overrides.groups ?? [];
  return {
    loading: false,
    signedIn: true,
    name: "alice",
    groups,
    isAdmin: groups.includes("admin"),
    error: null,
    idToken: () => "id-token-123",
    signIn: async () => undefined,
    signOut: async () => undefined,
    expire: () => undefined,
    ...overrides,
  };
}

function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{`${location.pathname}${location.search}`}</div>;
}

export function renderApp(
  ui: ReactNode,
  {
    path = "/",
    route = "*",
    api,
    user = session(),
    config = CONFIG,
  }: { path?: string; route?: string; api: ReturnType<typeof fakeApi>; user?: Session; config?: AppConfig },
) {
  const client = createApi(API, user.idToken, api.fetch);
  return render(
    <ConfigProvider config={config}>
      <MemoryRouter initialEntries={[path]}>
        <StaticSessionProvider session={user}>
          <ApiProvider api={client}>
            <LiveOrdersProvider>
              <CartProvider>
                <Routes>
                  <Route path={route} element={ui} />
                  <Route path="*" element={<p>elsewhere</p>} />
                </Routes>
                <LocationProbe />
              </CartProvider>
            </LiveOrdersProvider>
          </ApiProvider>
        </StaticSessionProvider>
      </MemoryRouter>
    </ConfigProvider>,
  );
}

export const PRODUCT = {
  id: "p1",
  name: "Wireless Headphones",
  description: "Over-ear",
  category: "audio",
  brand: "Sonara",
  price_cents: 8499,
  currency: "USD",
  stock: 3,
  tags: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  version: 4,
};

export const CART = {
  items: [
    { product_id: "p1", name: "Wireless Headphones", unit_price_cents: 8499, quantity: 2, line_total_cents: 16998 },
    { product_id: "p2", name: "Copper Kettle", unit_price_cents: 4999, quantity: 1, line_total_cents: 4999 },
  ],
  total_cents: 21997,
};

/** A placed order of two kettles, for the order pages; `ORDER_PAGE` opens its page. */
export const ORDER = {
  id: "0b1aa720-0176-4816-8fd7-cdf1e435c368",
  user_id: "alice",
  items: [{ product_id: "p1", name: "Kettle", unit_price_cents: 2999, quantity: 2, line_total_cents: 5998 }],
  total_cents: 5998,
  currency: "USD",
  status: "PLACED",
  shipping_address: { name: "Ada", line1: "1 Road", city: "Town", postal_code: "123", country: "GB" },
  created_at: "2026-01-01T10:00:00Z",
  updated_at: "2026-01-01T10:00:00Z",
};

export const ORDER_PAGE = { path: `/orders/${ORDER.id}`, route: "/orders/:id" };
