import { useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { call, type Order, type ShippingAddress } from "../api/client";
import { useSession } from "../app/auth";
import { useCart } from "../app/cart";
import { useApi } from "../app/context";
import { currencyOf, useProducts } from "../app/productInfo";
import { Loading, Money, NeedsSignIn, Page } from "../components/common";
import { CheckoutAttempt } from "../lib/checkout";
import { ApiError, describeError, fieldErrors, isRetryable, outOfStockProductIds } from "../lib/problem";

type Field = "name" | "line1" | "line2" | "city" | "postal_code" | "country";

// Labels are exactly the field names (what screen readers announce and the browser tests find); hints such
// as "Optional" are descriptions.
const FIELDS: { name: Field; label: string; autoComplete: string; hint?: string; maxLength: number }[] = [
  { name: "name", label: "Full name", autoComplete: "shipping name", maxLength: 200 },
  { name: "line1", label: "Address line 1", autoComplete: "shipping address-line1", maxLength: 200 },
  { name: "line2", label: "Address line 2", autoComplete: "shipping address-line2", hint: "Optional", maxLength: 200 },
  { name: "city", label: "City", autoComplete: "shipping address-level2", maxLength: 200 },
  { name: "postal_code", label: "Postal code", autoComplete: "shipping postal-code", maxLength: 20 },
  { name: "country", label: "Country", autoComplete: "shipping country", hint: "Two-letter code, e.g. US, GB, DE", maxLength: 2 },
];

/** The form's text as the API's address: trimmed, an empty optional line left out, the country upper-cased. */
export function toShippingAddress(values: Record<Field, string>): ShippingAddress {
  const address: ShippingAddress = {
    name: values.name.trim(),
    line1: values.line1.trim(),
    city: values.city.trim(),
    postal_code: values.postal_code.trim(),
    // The API checks the code against ISO 3166-1 and names the field in its 422 (shown beside it).
    country: values.country.trim().toUpperCase() as ShippingAddress["country"],
  };
  const line2 = values.line2.trim();
  if (line2) address.line2 = line2;
  return address;
}

interface Outcome {
  message: string;
  retry: boolean;
  kind: "error" | "info";
  /** The cart needs changing (stock, emptiness): link to it. */
  toCart?: boolean;
}

export function CheckoutPage() {
  const api = useApi();
  const session = useSession();
  const cart = useCart();
  const navigate = useNavigate();
  // One attempt, one Idempotency-Key, for as long as this page is open: every retry reuses it.
  const attempt = useRef(new CheckoutAttempt<Order>());
  const [values, setValues] = useState<Record<Field, string>>({
    name: "",
    line1: "",
    line2: "",
    city: "",
    postal_code: "",
    country: "US",
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const lastBody = useRef<ShippingAddress | null>(null);
  const items = cart.cart?.items ?? [];
  const products = useProducts(items.map((l) => l.product_id));
  const currency = currencyOf(items.map((l) => products[l.product_id]));

  if (!session.signedIn) {
    return <Page title="Checkout">{session.loading ? <Loading /> : <NeedsSignIn what="check out" />}</Page>;
  }

  async function place(address: ShippingAddress) {
    lastBody.current = address;
    setSubmitting(true);
    setOutcome(null);
    try {
      const order = await attempt.current.submit((key) =>
        call(api.POST("/orders", { params: { header: { "idempotency-key": key } }, body: { shipping_address: address } })),
      );
      void cart.refresh();
      navigate(`/orders/${encodeURIComponent(order.id)}`, { state: { placed: true } });
    } catch (e) {
      setSubmitting(false);
      handleError(e);
    }
  }

  function handleError(e: unknown) {
    if (e instanceof ApiError && e.status === 422 && e.problem.errors?.length) {
      const found = fieldErrors(e.problem, ["shipping_address"]);
      setErrors(found);
      setOutcome({ message: "Please correct the highlighted fields.", retry: false, kind: "error" });
      return;
    }
    setErrors({});
    if (e instanceof ApiError && e.slug === "out-of-stock") {
      const ids = outOfStockProductIds(e.problem);
      const names = ids.map((id) => items.find((l) => l.product_id === id)?.name ?? products[id]?.name ?? id);
      setOutcome({
        message: `Not enough stock for: ${names.join(", ")}. Lower the quantity in your cart or remove it, then try again.`,
        retry: false,
        kind: "error",
        toCart: true,
      });
      void cart.refresh();
      return;
    }
    if (e instanceof ApiError && (e.slug === "cart-empty" || e.slug === "mixed-currencies")) {
      setOutcome({ message: describeError(e), retry: false, kind: "error", toCart: true });
      void cart.refresh();
      return;
    }
    setOutcome({ message: describeError(e), retry: isRetryable(e), kind: "error" });
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (submitting) return;
    void place(toShippingAddress(values));
  }

  return (
    <Page title="Checkout">
      {cart.cart && items.length > 0 ? (
        <section aria-labelledby="summary-title" className="checkout-summary">
          <h2 id="summary-title">Your order</h2>
          <ul>
            {items.map((l) => (
              <li key={l.product_id}>
                {l.quantity} × {l.name}{" "}
                <Money cents={l.line_total_cents} currency={products[l.product_id]?.currency ?? currency ?? "USD"} />
              </li>
            ))}
          </ul>
          {currency ? (
            <p>
              Total: <strong><Money cents={cart.cart.total_cents} currency={currency} /></strong>
            </p>
          ) : null}
        </section>
      ) : null}
      {cart.cart && items.length === 0 && !outcome ? (
        <p className="notice">
          Your cart is empty. <Link to="/">Find something you like</Link>
        </p>
      ) : null}
      <form className="address-form" noValidate onSubmit={onSubmit} aria-labelledby="address-title">
        <h2 id="address-title">Shipping address</h2>
        {FIELDS.map((f) => {
          const error = errors[f.name];
          const errorId = `${f.name}-error`;
          const hintId = `${f.name}-hint`;
          const describedBy = [error ? errorId : "", f.hint ? hintId : ""].filter(Boolean).join(" ");
          return (
            <div className="field" key={f.name}>
              <label htmlFor={f.name}>{f.label}</label>
              <input
                id={f.name}
                name={f.name}
                type="text"
                autoComplete={f.autoComplete}
                maxLength={f.maxLength}
                value={values[f.name]}
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy || undefined}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              />
              {error ? (
                <span id={errorId} className="field-error">
                  {error}
                </span>
              ) : null}
              {f.hint ? (
                <span id={hintId} className="hint">
                  {f.hint}
                </span>
              ) : null}
            </div>
          );
        })}
        {outcome ? (
          <div className={outcome.kind === "error" ? "alert alert-error" : "alert"} role="alert">
            <p>{outcome.message}</p>
            {outcome.retry && lastBody.current ? (
              <button type="button" onClick={() => lastBody.current && void place(lastBody.current)} disabled={submitting}>
                Try again
              </button>
            ) : null}
            {outcome.toCart ? <Link to="/cart">Change quantities</Link> : null}
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={submitting}>
          Place order
        </button>
        {submitting ? <Loading label="Placing your order…" /> : null}
      </form>
    </Page>
  );
}
