import { useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { call, type Order } from "../api/client";
import { useSession } from "../app/auth";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, Money, NeedsSignIn, Page } from "../components/common";
import { ApiError, describeError } from "../lib/problem";
import { useAsync } from "../lib/useAsync";
import { formatDate, STATUS_LABELS } from "./OrdersPage";

const NEXT_STATUS: Partial<Record<Order["status"], { status: "SHIPPED" | "DELIVERED"; label: string }>> = {
  PLACED: { status: "SHIPPED", label: "Mark shipped" },
  SHIPPED: { status: "DELIVERED", label: "Mark delivered" },
};

export function OrderPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const session = useSession();
  const location = useLocation();
  const placed = (location.state as { placed?: boolean } | null)?.placed === true;
  const loaded = useAsync(
    () =>
      session.signedIn
        ? call(api.GET("/orders/{order_id}", { params: { path: { order_id: id } } }))
        : Promise.resolve(undefined),
    [api, id, session.signedIn],
  );
  const [updated, setUpdated] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  if (!session.signedIn) {
    return <Page title="Order">{session.loading ? <Loading /> : <NeedsSignIn what="see this order" />}</Page>;
  }
  if (loaded.loading && !loaded.data) return <Loading />;
  if (loaded.error) {
    if (loaded.error instanceof ApiError && loaded.error.status === 404) {
      return (
        <Page title="Order not found">
          <p>
            There is no such order on your account. <Link to="/orders">See your order history</Link>
          </p>
        </Page>
      );
    }
    return <ErrorMessage error={loaded.error} onRetry={loaded.reload} />;
  }
  const order = updated && updated.id === loaded.data?.id ? updated : loaded.data;
  if (!order) return null;

  async function act(run: () => Promise<Order>, done: string) {
    setBusy(true);
    setMessage(null);
    try {
      setUpdated(await run());
      setMessage({ text: done, error: false });
    } catch (e) {
      setMessage({ text: describeError(e), error: true });
      if (e instanceof ApiError && e.status === 409) loaded.reload();
    } finally {
      setBusy(false);
    }
  }

  const cancel = () =>
    act(
      () => call(api.POST("/orders/{order_id}/cancel", { params: { path: { order_id: order.id } } })),
      "Your order is cancelled.",
    );
  const next = NEXT_STATUS[order.status];
  const advance = () =>
    next &&
    act(
      () =>
        call(
          api.PUT("/orders/{order_id}/status", {
            params: { path: { order_id: order.id } },
            body: { status: next.status },
          }),
        ),
      `The order is now ${STATUS_LABELS[next.status].toLowerCase()}.`,
    );

  return (
    <Page title={`Order ${order.id.slice(0, 8)}`}>
      {placed && !message ? (
        <p className="alert alert-success" role="status">
          Thank you! Your order is placed.
        </p>
      ) : null}
      <p>
        Status: <strong className={`status status-${order.status.toLowerCase()}`} data-testid="order-status">{STATUS_LABELS[order.status]}</strong>
      </p>
      <p className="muted">
        Placed {formatDate(order.created_at)} · Order number <code>{order.id}</code>
      </p>
      <table className="order-lines">
        <caption className="visually-hidden">Items</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Price</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((l) => (
            <tr key={l.product_id}>
              <td>{l.name}</td>
              <td>{l.quantity}</td>
              <td>
                <Money cents={l.unit_price_cents} currency={order.currency} />
              </td>
              <td>
                <Money cents={l.line_total_cents} currency={order.currency} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td>
              <Money cents={order.total_cents} currency={order.currency} />
            </td>
          </tr>
        </tfoot>
      </table>
      <section aria-labelledby="ship-to">
        <h2 id="ship-to">Shipping to</h2>
        <address>
          {order.shipping_address.name}
          <br />
          {order.shipping_address.line1}
          {order.shipping_address.line2 ? (
            <>
              <br />
              {order.shipping_address.line2}
            </>
          ) : null}
          <br />
          {order.shipping_address.postal_code} {order.shipping_address.city}
          <br />
          {order.shipping_address.country}
        </address>
      </section>
      <div className="order-actions">
        {order.status === "PLACED" ? (
          <button type="button" disabled={busy} onClick={() => void cancel()}>
            Cancel order
          </button>
        ) : null}
        {session.isAdmin && next ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void advance()}>
            {next.label}
          </button>
        ) : null}
      </div>
      <div role="status" className={message?.error ? "alert alert-error" : "status-message"}>
        {message?.text ?? ""}
      </div>
      <p>
        <Link to="/orders">Order history</Link>
      </p>
    </Page>
  );
}
