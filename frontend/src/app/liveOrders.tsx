import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
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
type Listener = (update: StatusUpdate, previous: StatusUpdate | undefined) => void;

interface LiveOrdersStore {
  /** The newest pushed status of each order since sign-in. */
  updates: Record<string, StatusUpdate>;
  /** Called for each accepted update (newer than the last one for its order); returns the unsubscribe. */
  subscribe: (listener: Listener) => () => void;
}

const LiveOrdersContext = createContext<LiveOrdersStore | null>(null);

/**
 * One status stream for the app while signed in, and the newest status of each order it pushed: kept across pages,
 * so that the order list opened after an order's page shows what that page showed, even when the list's own answer
 * is older. A late or repeated message is dropped here. Signing out forgets them.
 */
export function LiveOrdersProvider({ children }: { children: ReactNode }) {
  const { signedIn } = useSession();
  const [updates, setUpdates] = useState<Record<string, StatusUpdate>>({});
  const latest = useRef<Record<string, StatusUpdate>>({});
  const listeners = useRef(new Set<Listener>());

  useOrderStatusStream((update) => {
    const previous = latest.current[update.order_id];
    if (previous && !isNewer(update, previous)) return;
    latest.current = { ...latest.current, [update.order_id]: update };
    setUpdates(latest.current);
    for (const listener of listeners.current) listener(update, previous);
  });

  useEffect(() => {
    if (signedIn) return;
    latest.current = {};
    setUpdates({});
  }, [signedIn]);

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const store = useMemo(() => ({ updates, subscribe }), [updates, subscribe]);
  return <LiveOrdersContext.Provider value={store}>{children}</LiveOrdersContext.Provider>;
}

export interface LiveOrders {
  /** The order as it should be shown: with the newest pushed status when that is newer than the order. */
  live: <T extends Order>(order: T) => T;
  /** The last change worth announcing, for a polite live region ("" until one). */
  announcement: string;
}

/**
 * The pushed statuses merged into the orders a page shows, never moving an order backwards; a change to an order
 * on screen is announced. Outside a LiveOrdersProvider, orders are shown as they are.
 */
export function useLiveOrders(shown: readonly Order[]): LiveOrders {
  const store = useContext(LiveOrdersContext);
  const [announcement, setAnnouncement] = useState("");
  const shownRef = useRef(shown);
  // Kept current as the orders are committed to the screen (not later, with the passive effects), so that a status
  // pushed right after an order appears is announced.
  useLayoutEffect(() => {
    shownRef.current = shown;
  });

  const subscribe = store?.subscribe;
  useEffect(
    () =>
      subscribe?.((update, previous) => {
        const base = shownRef.current.find((o) => o.id === update.order_id);
        const order = base && withUpdate(base, previous);
        if (order && isNewer(update, order) && order.status !== update.status) {
          setAnnouncement(`Order ${update.order_id.slice(0, 8)} is now ${LABELS[update.status]}.`);
        }
      }),
    [subscribe],
  );

  const updates = store?.updates;
  const live = useCallback(<T extends Order>(order: T): T => withUpdate(order, updates?.[order.id]), [updates]);
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
