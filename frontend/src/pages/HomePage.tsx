import { Link } from "react-router";
import { call } from "../api/client";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, PagingControls } from "../components/common";
import { ProductGrid } from "../components/ProductCard";
import { useAsync } from "../lib/useAsync";
import { usePagedList } from "../lib/usePagedList";

const PAGE_SIZE = 12;

/** Categories (from the search facets, with counts) and the newest products, paged by the API's cursor. */
export function HomePage() {
  const api = useApi();
  const categories = useAsync(async () => (await call(api.GET("/search", { params: { query: { limit: 1 } } }))).facets.category, [api]);
  const products = usePagedList(
    (cursor) => call(api.GET("/products", { params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } })),
    [api],
  );

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
        <ProductGrid products={products.items} label="Newest products" />
        <PagingControls list={products} />
        {products.empty ? <p>No products yet.</p> : null}
      </section>
    </div>
  );
}
