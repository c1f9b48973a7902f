import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { call, type Product } from "../api/client";
import { useApi } from "../app/context";
import { ErrorMessage, Loading } from "../components/common";
import { ProductGrid } from "../components/ProductCard";
import { useAsync } from "../lib/useAsync";

const PAGE_SIZE = 12;

/** Categories (from the search facets, with counts) and the newest products, paged by the API's cursor. */
export function HomePage() {
  const api = useApi();
  const categories = useAsync(async () => (await call(api.GET("/search", { params: { query: { limit: 1 } } }))).facets.category, [api]);
  const [products, setProducts] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadPage = useCallback(
    async (after?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await call(
          api.GET("/products", { params: { query: { limit: PAGE_SIZE, ...(after ? { cursor: after } : {}) } } }),
        );
        setProducts((old) => (after ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void loadPage();
  }, [loadPage]);

  return (
    <div className="home">
      <nav aria-label="Categories" className="categories">
        {categories.error ? <ErrorMessage error={categories.error} onRetry={categories.reload} /> : null}
        {categories.data ? (
          <ul className="chips">
            {categories.data.map((c) => (
              <li key={c.value}>
                <Link className="chip" to={`/search?category=${encodeURIComponent(c.value)}`}>
                  {c.value} <span className="count">({c.count})</span>
                </Link>
              </li>
            ))}
          </ul>
        ) : categories.loading ? (
          <Loading label="Loading categories…" />
        ) : null}
      </nav>
      <section aria-labelledby="newest-title">
        <h1 id="newest-title">Newest products</h1>
        <ProductGrid products={products} label="Newest products" />
        {error ? <ErrorMessage error={error} onRetry={() => void loadPage(cursor ?? undefined)} /> : null}
        {loading ? <Loading /> : null}
        {cursor && !loading ? (
          <button type="button" className="load-more" onClick={() => void loadPage(cursor)}>
            Load more
          </button>
        ) : null}
        {!loading && !error && products.length === 0 && cursor === null ? <p>No products yet.</p> : null}
      </section>
    </div>
  );
}
