import { Link } from "react-router";
import { call } from "../api/client";
import { useApi } from "../app/context";
import { Money, Page, PagingControls } from "../components/common";
import { usePagedList } from "../lib/usePagedList";

export function AdminProducts() {
  const api = useApi();
  const products = usePagedList(
    (cursor) => call(api.GET("/products", { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } })),
    [api],
  );

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
          {products.items.map((p) => (
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
      <PagingControls list={products} />
    </Page>
  );
}
