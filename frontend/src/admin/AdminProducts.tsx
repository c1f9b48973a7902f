import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { call, type Product } from "../api/client";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, Money, Page } from "../components/common";

export function AdminProducts() {
  const api = useApi();
  const [products, setProducts] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadPage = useCallback(
    async (after?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await call(api.GET("/products", { params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } } }));
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
    <Page title="Products">
      <p>
        <Link className="button primary" to="/admin/products/new">
          Add a product
        </Link>
      </p>
      <table className="admin-table">
        <caption className="visually-hidden">Products, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Category</th>
            <th scope="col">Price</th>
            <th scope="col">Stock</th>
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={`/admin/products/${encodeURIComponent(p.id)}`}>{p.name}</Link>
              </td>
              <td>{p.category}</td>
              <td>
                <Money cents={p.price_cents} currency={p.currency} />
              </td>
              <td>{p.stock}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error ? <ErrorMessage error={error} onRetry={() => void loadPage(cursor ?? undefined)} /> : null}
      {loading ? <Loading /> : null}
      {cursor && !loading ? (
        <button type="button" className="load-more" onClick={() => void loadPage(cursor)}>
          Load more
        </button>
      ) : null}
    </Page>
  );
}
