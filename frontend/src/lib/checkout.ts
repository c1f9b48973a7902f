/**
 * One checkout attempt: one Idempotency-Key, generated when the attempt starts and sent with every try of
 * it (a double click, a retry after a timeout or a 503). The API stores the order under (user, key), so
 * however many times an attempt is sent, it places at most one order. While a try is in flight, another
 * submit joins it instead of sending again.
 */
export type Send<T> = (idempotencyKey: string) => Promise<T>;

export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class CheckoutAttempt<T> {
  readonly key: string;
  private inFlight: Promise<T> | null = null;
  tries = 0;

  constructor(key: string = newIdempotencyKey()) {
    this.key = key;
  }

  /** Sends the attempt with its key; while a send is pending, returns that same pending send. */
  submit(send: Send<T>): Promise<T> {
    if (this.inFlight) return this.inFlight;
    this.tries += 1;
    const pending = send(this.key).finally(() => {
      this.inFlight = null;
    });
    this.inFlight = pending;
    return pending;
  }

  get pending(): boolean {
    return this.inFlight !== null;
  }
}
