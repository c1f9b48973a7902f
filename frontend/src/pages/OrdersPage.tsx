import { Link } from "react-router";
import { call, type Order } from "../api/client";
import { useSession } from "../app/auth";
import { useApi } from "../app/context";
import { LiveAnnouncement, useLiveOrders } from "../app/liveOrders";
import { Loading, Money, NeedsSignIn, Page, PagingControls } from "../components/common";
import { itemCount, itemsLabel } from "../lib/cart";
import { usePagedList } from "../lib/usePagedList";

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
  const orders = usePagedList(
    (cursor) => call(api.GET("/orders", { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [api],
    { enabled: session.signedIn },
  );
  const { live, announcement } = useLiveOrders(orders.items);

  if (!session.signedIn) {
    return <Page title="Your orders">{session.loading ? <Loading /> : <NeedsSignIn what="see your orders" />}</Page>;
  }
  return (
    <Page title="Your orders">
      <LiveAnnouncement text={announcement} />
      {orders.items.length > 0 ? (
        <ul className="orders" aria-label="Order list">
          {orders.items.map(live).map((o) => (
            <li key={o.id} className="order-row">
              <Link to={`/orders/${encodeURIComponent(o.id)}`}>Order of {formatDate(o.created_at)}</Link>
              <span className={`status status-${o.status.toLowerCase()}`}>{STATUS_LABELS[o.status]}</span>
              <span>
                {itemsLabel(itemCount(o.items))}, <Money cents={o.total_cents} currency={o.currency} />
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {orders.empty ? (
        <p>
          No orders yet. Orders you place appear here (a new one can take a moment). <Link to="/">Start shopping</Link>
        </p>
      ) : null}
      <PagingControls list={orders} />
    </Page>
  );
}
