import { useCallback, useEffect, useRef, useState } from "react";
import { openStatusStream, withUpdate, isNewer, type StatusUpdate, type Versioned } from "../lib/orderStatus";
import { useSession } from "./auth";
import { useConfig } from "./context";

const LABELS: Record<StatusUpdate["status"], string> = {
  PLACED: "placed",
  SHIPPED: "shipped",
  DELIVERED: "delivered",
  CANCELLED: "cancelled",
};

/**
 * Order status pushed over the WebSocket API while signed in: calls `onUpdate` for every well-formed message.
 * Nothing connects without `wsUrl` in config.json or without a session; signing out closes the connection.
 * Each reconnect reads the session's current ID token.
 */
export function useOrderStatusStream(onUpdate: (update: StatusUpdate) => void): void {
  const { wsUrl } = useConfig();
  const { signedIn, idToken } = useSession();
  const onUpdateRef = useRef(onUpdate);
  useEffect(() => {
    onUpdateRef.current = onUpdate;
  });
  useEffect(() => {
    if (!wsUrl || !signedIn) return;
    return openStatusStream({ wsUrl, token: idToken, onUpdate: (update) => onUpdateRef.current(update) });
  }, [wsUrl, signedIn, idToken]);
}

type Order = Versioned & { id: string; status: StatusUpdate["status"] };

export interface LiveOrders {
  /** The order as it should be shown: with the newest pushed status when that is newer than the order. */
  live: <T extends Order>(order: T) => T;
  /** The last change worth announcing, for a polite live region ("" until one). */
  announcement: string;
}

/**
 * Keeps the newest pushed status of each order and merges it into the orders a page shows, never moving an order
 * backwards (a late or repeated message is ignored). A change to an order on screen is announced.
 */
export function useLiveOrders(shown: readonly Order[]): LiveOrders {
  const [updates, setUpdates] = useState<Record<string, StatusUpdate>>({});
  const [announcement, setAnnouncement] = useState("");
  const latest = useRef<Record<string, StatusUpdate>>({});
  const shownRef = useRef(shown);
  useEffect(() => {
    shownRef.current = shown;
  });

  useOrderStatusStream((update) => {
    const previous = latest.current[update.order_id];
    if (previous && !isNewer(update, previous)) return;
    latest.current = { ...latest.current, [update.order_id]: update };
    setUpdates(latest.current);
    const base = shownRef.current.find((o) => o.id === update.order_id);
    const order = base && withUpdate(base, previous);
    if (order && isNewer(update, order) && order.status !== update.status) {
      setAnnouncement(`Order ${update.order_id.slice(0, 8)} is now ${LABELS[update.status]}.`);
    }
  });

  const live = useCallback(<T extends Order>(order: T): T => withUpdate(order, updates[order.id]), [updates]);
  return { live, announcement };
}

/** A polite live region: screen readers read a status change when they are idle, without moving focus. */
export function LiveAnnouncement({ text }: { text: string }) {
  return (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="live-announcement">
      {text}
    </p>
  );
}
