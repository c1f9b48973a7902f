import createClient from "openapi-fetch";
import type { components, paths } from "./schema.gen";
import { ApiError, NetworkError, toProblem } from "../lib/problem";

export type Schemas = components["schemas"];
export type Product = Schemas["Product"];
export type ProductCreate = Schemas["ProductCreate"];
export type ProductUpdate = Schemas["ProductUpdate"];
export type SearchHit = Schemas["SearchHit"];
export type SearchResults = Schemas["SearchResults"];
export type Cart = Schemas["Cart"];
export type CartLine = Schemas["CartLine"];
export type Order = Schemas["Order"];
export type OrderStatus = Order["status"];
export type ShippingAddress = Schemas["ShippingAddress"];

/**
 * The typed client generated from openapi.json. Every request carries the signed-in user's ID token as
 * `Authorization: Bearer` (the API's authorizer checks the ID token's audience and reads its groups); a 401
 * to a request that carried one calls `onUnauthorized`, so the app shows the user as signed out.
 */
export function createApi(
  baseUrl: string,
  getToken: () => string | undefined,
  fetchImpl?: (input: Request) => Promise<Response>,
  onUnauthorized?: () => void,
) {
  const client = createClient<paths>({
    baseUrl,
    // Looked up per call, so tests (and a service worker) can replace the global fetch.
    fetch: fetchImpl ?? ((input: Request) => globalThis.fetch(input)),
  });
  client.use({
    onRequest({ request }) {
      const token = getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ request, response }) {
      // A token the API no longer accepts (expired, revoked, another issuer): the session is over.
      if (response.status === 401 && request.headers.has("Authorization")) onUnauthorized?.();
      return response;
    },
  });
  return client;
}

export type Api = ReturnType<typeof createApi>;

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits a client call: its data, or an ApiError with the problem details, or a NetworkError. */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError(error);
  }
  if (!result.response.ok) {
    throw new ApiError(toProblem(result.response.status, result.error, result.response.statusText));
  }
  return result.data as T;
}
