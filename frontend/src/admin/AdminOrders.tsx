import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Page } from "../components/common";

/** Orders are moved on from their own page; an admin opens any order by its number. */
export function AdminOrders() {
  const navigate = useNavigate();
  const [id, setId] = useState("");
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const trimmed = id.trim();
    if (trimmed) navigate(`/orders/${encodeURIComponent(trimmed)}`);
  }
  return (
    <Page title="Fulfilment">
      <p>Open an order by its number to mark it shipped, then delivered.</p>
      <form onSubmit={onSubmit} className="inline-form">
        <label htmlFor="order-id">Order number</label>
        <input id="order-id" value={id} onChange={(e) => setId(e.target.value)} autoComplete="off" />
        <button type="submit">Open order</button>
      </form>
    </Page>
  );
}
