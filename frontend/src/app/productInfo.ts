import { useEffect, useState } from "react";
import { call, type Api, type Product } from "../api/client";
import { useApi } from "./context";

/**
 * Cart lines carry no currency or stock: the product itself does. Reads each product once (in parallel)
 * and keeps what it found; a product that cannot be read is left out.
 */
export function useProducts(ids: string[]): Record<string, Product> {
  const api = useApi();
  const [found, setFound] = useState<Record<string, Product>>({});
  const key = [...new Set(ids)].sort().join(",");

  useEffect(() => {
    let live = true;
    const missing = key ? key.split(",").filter((id) => !(id in found)) : [];
    if (missing.length === 0) return;
    void readProducts(api, missing).then((products) => {
      if (live && products.length) setFound((old) => ({ ...old, ...Object.fromEntries(products.map((p) => [p.id, p])) }));
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);
  return found;
}

async function readProducts(api: Api, ids: string[]): Promise<Product[]> {
  const results = await Promise.allSettled(
    ids.map((id) => call(api.GET("/products/{product_id}", { params: { path: { product_id: id } } }))),
  );
  return results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
}

/** The one currency of a set of products; null when they mix currencies; `fallback` when unknown. */
export function currencyOf(products: (Product | undefined)[], fallback = "USD"): string | null {
  const currencies = new Set(products.filter((p): p is Product => !!p).map((p) => p.currency));
  if (currencies.size > 1) return null;
  return [...currencies][0] ?? fallback;
}
