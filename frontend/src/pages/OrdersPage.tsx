import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { call, type Order } from "../api/client";
import { useSession } from "../app/auth";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, Money, NeedsSignIn, Page } from "../components/common";

export const STATUS_LABELS: Record<Order["status"], string> = {
  PLACED: "Placed",
  SHIPPED: "Shipped",
  DELIVERED: "Delivered",
  CANCELLED: "Cancelled",
};

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function OrdersPage() {
  const api = useApi();
  const session = useSession();
  const [orders, setOrders] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadPage = useCallback(
    async (after?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await call(api.GET("/orders", { params: { query: { limit: 20, ...(after ? { cursor: after } : {}) } } }));
        setOrders((old) => (after ? [...old, ...page.items] : page.items));
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
    if (session.signedIn) void loadPage();
  }, [loadPage, session.signedIn]);

  if (!session.signedIn) {
    return <Page title="Your orders">{session.loading ? <Loading /> : <NeedsSignIn what="see your orders" />}</Page>;
  }
  return (
    <Page title="Your orders">
      {orders.length > 0 ? (
        <ul className="orders" aria-label="Order list">
          {orders.map((o) => (
            <li key={o.id} className="order-row">
              <Link to={`/orders/${encodeURIComponent(o.id)}`}>Order of {formatDate(o.created_at)}</Link>
              <span className={`status status-${o.status.toLowerCase()}`}>{STATUS_LABELS[o.status]}</span>
              <span>
                {o.items.reduce((n, l) => n + l.quantity, 0)} items, <Money cents={o.total_cents} currency={o.currency} />
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {!loading && !error && orders.length === 0 && cursor === null ? (
        <p>
          No orders yet. Orders you place appear here (a new one can take a moment). <Link to="/">Start shopping</Link>
        </p>
      ) : null}
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
