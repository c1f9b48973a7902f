import { useState } from "react";
import { Link, useParams } from "react-router";
import { call } from "../api/client";
import { useSession } from "../app/auth";
import { useCart } from "../app/cart";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, Money, StockMessage } from "../components/common";
import { ApiError, describeError } from "../lib/problem";
import { useAsync } from "../lib/useAsync";

export function ProductPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const session = useSession();
  const cart = useCart();
  const product = useAsync(
    () => call(api.GET("/products/{product_id}", { params: { path: { product_id: id } } })),
    [api, id],
  );
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  if (product.loading && !product.data) return <Loading />;
  if (product.error) {
    if (product.error instanceof ApiError && product.error.status === 404) {
      return (
        <section className="page">
          <h1>Product not found</h1>
          <p>
            It may have been removed. <Link to="/">Back to the shop</Link>
          </p>
        </section>
      );
    }
    return <ErrorMessage error={product.error} onRetry={product.reload} />;
  }
  const p = product.data;
  if (!p) return null;
  const inCart = cart.cart?.items.find((l) => l.product_id === p.id)?.quantity ?? 0;

  async function addToCart() {
    if (!p) return;
    if (!session.signedIn) {
      await session.signIn(`/products/${encodeURIComponent(p.id)}`);
      return;
    }
    setAdding(true);
    setMessage(null);
    try {
      const next = await cart.add(p.id, p.stock);
      const quantity = next.items.find((l) => l.product_id === p.id)?.quantity ?? 0;
      setMessage({ text: `Added to cart (${quantity} in your cart).`, error: false });
    } catch (e) {
      setMessage({ text: describeError(e), error: true });
    } finally {
      setAdding(false);
    }
  }

  const outOfStock = p.stock <= 0;
  return (
    <article className="product-page">
      <h1>{p.name}</h1>
      {p.brand ? <p className="product-brand">{p.brand}</p> : null}
      <p className="product-category">
        <Link to={`/search?category=${encodeURIComponent(p.category)}`}>{p.category}</Link>
      </p>
      <p className="product-price">
        <Money cents={p.price_cents} currency={p.currency} />
      </p>
      <StockMessage stock={p.stock} />
      <div className="product-actions">
        <button type="button" className="primary" disabled={outOfStock || adding} onClick={() => void addToCart()}>
          Add to cart
        </button>
        {inCart > 0 ? <span className="in-cart">{inCart} in your cart</span> : null}
      </div>
      <div role="status" className={message?.error ? "alert alert-error" : "status-message"}>
        {message?.text ?? ""}
      </div>
      {p.description ? (
        <section aria-labelledby="description-title">
          <h2 id="description-title">Description</h2>
          <p className="product-description">{p.description}</p>
        </section>
      ) : null}
      {session.isAdmin ? (
        <p>
          <Link to={`/admin/products/${encodeURIComponent(p.id)}`}>Edit product</Link>
        </p>
      ) : null}
      {p.tags && p.tags.length > 0 ? (
        <ul className="tags" aria-label="Tags">
          {p.tags.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
