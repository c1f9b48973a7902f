import { describe, expect, it, vi } from "vitest";
import { call, createApi } from "../src/api/client";
import { ApiError, NetworkError } from "../src/lib/problem";
import { fakeApi, json, problem } from "./harness";

describe("API client", () => {
  it("given a signed-in user, when calling, then the ID token goes as the bearer token", async () => {
    const api = fakeApi({ "GET /cart": () => json({ items: [], total_cents: 0 }) });
    const client = createApi("http://api.test", () => "the-id-token", api.fetch);
    await call(client.GET("/cart"));
    expect(api.seen[0]!.headers.get("Authorization")).toBe("Bearer the-id-token");
  });

  it("given nobody signed in, when calling, then no Authorization header is sent", async () => {
    const api = fakeApi({ "GET /products": () => json({ items: [], next_cursor: null }) });
    await call(createApi("http://api.test", () => undefined, api.fetch).GET("/products"));
    expect(api.seen[0]!.headers.has("Authorization")).toBe(false);
  });

  it("given the API refuses the token, when calling, then the session is expired and the problem thrown", async () => {
    const expire = vi.fn();
    const api = fakeApi({ "GET /cart": () => problem(401, "unauthenticated", "Authentication required") });
    const client = createApi("http://api.test", () => "old-token", api.fetch, expire);
    const error = await call(client.GET("/cart")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).slug).toBe("unauthenticated");
    expect(expire).toHaveBeenCalledOnce();
  });

  it("given no answer at all, when calling, then a NetworkError is thrown", async () => {
    const client = createApi("http://api.test", () => undefined, async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(call(client.GET("/products"))).rejects.toBeInstanceOf(NetworkError);
  });
});
