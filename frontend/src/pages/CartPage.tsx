import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import type { CartLine } from "../api/client";
import { useSession } from "../app/auth";
import { useCart } from "../app/cart";
import { currencyOf, useProducts } from "../app/productInfo";
import { ErrorMessage, Loading, Money, NeedsSignIn, Page } from "../components/common";
import { clampQuantity, MAX_QUANTITY, MIN_QUANTITY } from "../lib/cart";
import { describeError } from "../lib/problem";

const TYPING_DELAY_MS = 500;

function CartLineRow({ line, currency, stock }: { line: CartLine; currency: string; stock: number | undefined }) {
  const cart = useCart();
  const [draft, setDraft] = useState(String(line.quantity));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => setDraft(String(line.quantity)), [line.quantity]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  async function commit(quantity: number) {
    window.clearTimeout(timer.current);
    const next = clampQuantity(quantity);
    setDraft(String(next));
    if (next === line.quantity) return;
    setBusy(true);
    setError(null);
    try {
      await cart.setQuantity(line.product_id, next);
    } catch (e) {
      setError(describeError(e));
      setDraft(String(line.quantity));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await cart.remove(line.product_id);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  }

  function onType(value: string) {
    setDraft(value);
    window.clearTimeout(timer.current);
    const parsed = Number(value);
    if (value.trim() !== "" && Number.isFinite(parsed)) {
      timer.current = window.setTimeout(() => void commit(parsed), TYPING_DELAY_MS);
    }
  }

  const upper = Math.min(MAX_QUANTITY, stock ?? MAX_QUANTITY);
  return (
    <li className="cart-line">
      <div className="cart-line-name">
        <Link to={`/products/${encodeURIComponent(line.product_id)}`}>{line.name}</Link>
        <span className="unit-price">
          <Money cents={line.unit_price_cents} currency={currency} /> each
        </span>
        {stock !== undefined && stock < line.quantity ? (
          <span className="stock-out">{stock <= 0 ? "Out of stock" : `Only ${stock} left`}</span>
        ) : null}
      </div>
      <div className="stepper">
        <button
          type="button"
          aria-label={`Decrease quantity of ${line.name}`}
          disabled={busy || line.quantity <= MIN_QUANTITY}
          onClick={() => void commit(line.quantity - 1)}
        >
          −
        </button>
        <input
          type="number"
          inputMode="numeric"
          min={MIN_QUANTITY}
          max={MAX_QUANTITY}
          aria-label={`Quantity of ${line.name}`}
          value={draft}
          disabled={busy}
          onChange={(e) => onType(e.target.value)}
          onBlur={() => void commit(Number(draft))}
          onKeyDown={(e) => {
            if (e.key === "Enter") void commit(Number(draft));
          }}
        />
        <button
          type="button"
          aria-label={`Increase quantity of ${line.name}`}
          disabled={busy || line.quantity >= upper}
          onClick={() => void commit(line.quantity + 1)}
        >
          +
        </button>
      </div>
      <div className="line-total">
        <Money cents={line.line_total_cents} currency={currency} />
      </div>
      <button
        type="button"
        className="link-button remove"
        aria-label={`Remove ${line.name}`}
        disabled={busy}
        onClick={() => void remove()}
      >
        Remove
      </button>
      {error ? (
        <p className="line-error" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  );
}

export function CartPage() {
  const session = useSession();
  const cart = useCart();
  const items = cart.cart?.items ?? [];
  const products = useProducts(items.map((l) => l.product_id));
  const currency = currencyOf(items.map((l) => products[l.product_id]));

  if (!session.signedIn) {
    return (
      <Page title="Your cart">
        {session.loading ? <Loading /> : <NeedsSignIn what="see your cart" />}
      </Page>
    );
  }
  return (
    <Page title="Your cart">
      {cart.error ? <ErrorMessage error={cart.error} onRetry={() => void cart.refresh()} /> : null}
      {!cart.cart && cart.loading ? <Loading /> : null}
      {cart.cart && items.length === 0 ? (
        <p>
          Your cart is empty. <Link to="/">Find something you like</Link>
        </p>
      ) : null}
      {items.length > 0 ? (
        <>
          <ul className="cart-lines" aria-label="Cart lines">
            {items.map((line) => (
              <CartLineRow
                key={line.product_id}
                line={line}
                currency={products[line.product_id]?.currency ?? currency ?? "USD"}
                stock={products[line.product_id]?.stock}
              />
            ))}
          </ul>
          {currency ? (
            <p className="cart-total">
              Total: <strong data-testid="cart-total"><Money cents={cart.cart?.total_cents ?? 0} currency={currency} /></strong>
            </p>
          ) : (
            <p className="alert alert-error">Your cart mixes currencies; check out products of one currency at a time.</p>
          )}
          <p>
            <Link className="button primary" to="/checkout">
              Checkout
            </Link>
          </p>
        </>
      ) : null}
    </Page>
  );
}
