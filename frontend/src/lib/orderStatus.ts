/**
 * Live order status: the WebSocket API pushes `{order_id, status, updated_at}` (and perhaps `version`) for every
 * order of the signed-in user. Messages can arrive late or twice, so a page only ever moves an order forward.
 */

export type OrderStatus = "PLACED" | "SHIPPED" | "DELIVERED" | "CANCELLED";

const STATUSES: ReadonlySet<string> = new Set(["PLACED", "SHIPPED", "DELIVERED", "CANCELLED"]);

export interface StatusUpdate {
  order_id: string;
  status: OrderStatus;
  updated_at: string;
  version?: number;
}

/** What a status can be compared by: an order as the API answered it, or an earlier update. */
export interface Versioned {
  updated_at: string;
  version?: number | null;
}

/** A pushed message as an update; null for anything else (the gateway's own `{"message": ...}`, bad JSON). */
export function parseStatusMessage(data: unknown): StatusUpdate | null {
  if (typeof data !== "string") return null;
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (typeof m.order_id !== "string" || m.order_id === "") return null;
  if (typeof m.status !== "string" || !STATUSES.has(m.status)) return null;
  if (typeof m.updated_at !== "string" || Number.isNaN(Date.parse(m.updated_at))) return null;
  const update: StatusUpdate = { order_id: m.order_id, status: m.status as OrderStatus, updated_at: m.updated_at };
  if (typeof m.version === "number" && Number.isFinite(m.version)) update.version = m.version;
  return update;
}

/** Fractional seconds beyond the millisecond (Date keeps milliseconds only; the backend writes microseconds). */
function subMillisecond(iso: string): number {
  const digits = /T[\d:]+\.(\d+)/.exec(iso)?.[1] ?? "";
  return Number(digits.slice(3).padEnd(6, "0").slice(0, 6)) || 0;
}

/** Negative, zero or positive as instant `a` is before, equal to or after `b` (ISO 8601 with offsets). */
export function compareInstants(a: string, b: string): number {
  const diff = Date.parse(a) - Date.parse(b);
  if (diff !== 0 && !Number.isNaN(diff)) return diff;
  return subMillisecond(a) - subMillisecond(b);
}

/**
 * Whether `candidate` is strictly newer than `current`: by version when both have one, else by updated_at.
 * An equal one is not newer, so a redelivered message changes nothing.
 */
export function isNewer(candidate: Versioned, current: Versioned): boolean {
  if (typeof candidate.version === "number" && typeof current.version === "number") {
    return candidate.version > current.version;
  }
  return compareInstants(candidate.updated_at, current.updated_at) > 0;
}

/** The order as shown: the update's status if the update is newer than the order, else the order unchanged. */
export function withUpdate<T extends Versioned & { id: string; status: string }>(order: T, update: StatusUpdate | undefined): T {
  if (!update || update.order_id !== order.id || !isNewer(update, order)) return order;
  return { ...order, status: update.status, updated_at: update.updated_at };
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;
/** A connection that stayed open this long was healthy: the next failure starts the back-off again. */
export const STABLE_AFTER_MS = 10_000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first): exponential from 1 s, capped at 30 s, with
 * "equal jitter" (half fixed, half random) so that clients dropped together do not all come back together,
 * yet none retries sooner than half the step.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The address to connect to: browsers cannot set headers on a WebSocket, so the ID token is the query's `token`. */
export function streamUrl(wsUrl: string, token: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set("token", token);
  return url.toString();
}

/**
 * Close codes that mean "not allowed" rather than "try later": policy violation (1008), the registered
 * Unauthorized and Forbidden (3000, 3003), and the 4401/4403 convention. A refused handshake (API Gateway's 401
 * or 403 to `$connect`) reaches a browser only as 1006 before `open`: that one is retried with the session's
 * current token, and stops when the session has none (expired or signed out).
 */
export function isRefusal(code: number): boolean {
  return code === 1008 || code === 3000 || code === 3003 || code === 4401 || code === 4403;
}

export type StreamState = "connecting" | "open" | "waiting" | "stopped";

export interface StreamOptions {
  wsUrl: string;
  /** The current ID token, read at every (re)connect; undefined stops the stream (signed out, expired). */
  token: () => string | undefined;
  onUpdate: (update: StatusUpdate) => void;
  onState?: (state: StreamState) => void;
  random?: () => number;
  createSocket?: (url: string) => WebSocket;
}

/** Connects and keeps reconnecting with back-off until the returned function is called or the stream is refused. */
export function openStatusStream(options: StreamOptions): () => void {
  const { wsUrl, token, onUpdate, onState = () => undefined, random = Math.random } = options;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  let stopped = false;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    stopped = true;
    onState("stopped");
  };

  const connect = () => {
    timer = undefined;
    const current = token();
    if (!current) {
      stop();
      return;
    }
    let openedAt: number | null = null;
    const ws = createSocket(streamUrl(wsUrl, current));
    socket = ws;
    onState("connecting");
    ws.onopen = () => {
      openedAt = Date.now();
      onState("open");
    };
    ws.onmessage = (event: MessageEvent) => {
      const update = parseStatusMessage(event.data);
      if (update) onUpdate(update);
    };
    ws.onclose = (event: CloseEvent) => {
      if (socket === ws) socket = null;
      if (stopped) return;
      if (isRefusal(event.code)) {
        stop();
        return;
      }
      if (openedAt !== null && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
      timer = setTimeout(connect, backoffDelay(attempt, random));
      attempt += 1;
      onState("waiting");
    };
  };

  // Back online while waiting: no point in sleeping out the back-off.
  const online = () => {
    if (stopped || timer === undefined) return;
    clearTimeout(timer);
    attempt = 0;
    connect();
  };
  const target = typeof window === "undefined" ? undefined : window;
  target?.addEventListener("online", online);

  connect();
  return () => {
    stopped = true;
    target?.removeEventListener("online", online);
    if (timer !== undefined) clearTimeout(timer);
    const ws = socket;
    socket = null;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      ws.close(1000, "page closed");
    }
  };
}
