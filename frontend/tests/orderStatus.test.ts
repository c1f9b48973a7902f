import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  backoffDelay,
  compareInstants,
  isNewer,
  openStatusStream,
  parseStatusMessage,
  streamUrl,
  withUpdate,
  type StatusUpdate,
} from "../src/lib/orderStatus";
import { createFakeSocket, FakeWebSocket } from "./fakeWebSocket";

const ORDER_ID = "0b1aa720-0176-4816-8fd7-cdf1e435c368";
const SHIPPED = { order_id: ORDER_ID, status: "SHIPPED", updated_at: "2026-01-02T10:00:00.000001Z" };

describe("status messages", () => {
  it("given the pushed JSON, when parsed, then it is an update, with its version when it has one", () => {
    expect(parseStatusMessage(JSON.stringify(SHIPPED))).toEqual(SHIPPED);
    expect(parseStatusMessage(JSON.stringify({ ...SHIPPED, version: 3 }))).toEqual({ ...SHIPPED, version: 3 });
  });

  it("given anything else, when parsed, then it is ignored", () => {
    for (const data of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ message: "Forbidden", connectionId: "c", requestId: "r" }),
      JSON.stringify({ ...SHIPPED, status: "LOST" }),
      JSON.stringify({ ...SHIPPED, order_id: "" }),
      JSON.stringify({ ...SHIPPED, updated_at: "yesterday" }),
      new ArrayBuffer(4),
    ]) {
      expect(parseStatusMessage(data)).toBeNull();
    }
    expect(parseStatusMessage(JSON.stringify({ ...SHIPPED, version: "3" }))).toEqual(SHIPPED);
  });
});

describe("which status is newer", () => {
  it("given timestamps apart by microseconds or written with offsets, when compared, then the later one wins", () => {
    expect(compareInstants("2026-01-02T10:00:00.000002Z", "2026-01-02T10:00:00.000001Z")).toBeGreaterThan(0);
    expect(compareInstants("2026-01-02T10:00:00.000001Z", "2026-01-02T10:00:00.000002Z")).toBeLessThan(0);
    expect(compareInstants("2026-01-02T11:00:00+01:00", "2026-01-02T10:00:00Z")).toBe(0);
    expect(compareInstants("2026-01-02T10:00:01Z", "2026-01-02T10:00:00.999999+00:00")).toBeGreaterThan(0);
  });

  it("given versions on both sides, when compared, then the version decides, else updated_at does", () => {
    const early = "2026-01-01T00:00:00Z";
    const late = "2026-01-03T00:00:00Z";
    expect(isNewer({ updated_at: early, version: 5 }, { updated_at: late, version: 4 })).toBe(true);
    expect(isNewer({ updated_at: late, version: 4 }, { updated_at: early, version: 4 })).toBe(false);
    expect(isNewer({ updated_at: late, version: 1 }, { updated_at: early })).toBe(true);
    expect(isNewer({ updated_at: early }, { updated_at: early })).toBe(false);
  });

  it("given an order, when an update is older, equal or for another order, then the order is unchanged", () => {
    const order = { id: ORDER_ID, status: "SHIPPED", updated_at: "2026-01-02T10:00:00Z", total_cents: 5 };
    const delivered: StatusUpdate = { order_id: ORDER_ID, status: "DELIVERED", updated_at: "2026-01-03T10:00:00Z" };
    expect(withUpdate(order, delivered)).toEqual({ ...order, status: "DELIVERED", updated_at: delivered.updated_at });
    const placed: StatusUpdate = { order_id: ORDER_ID, status: "PLACED", updated_at: "2026-01-01T10:00:00Z" };
    expect(withUpdate(order, placed)).toBe(order);
    expect(withUpdate(order, { ...delivered, updated_at: order.updated_at })).toBe(order);
    expect(withUpdate(order, { ...delivered, order_id: "other" })).toBe(order);
    expect(withUpdate(order, undefined)).toBe(order);
  });
});

describe("back-off", () => {
  it("given successive attempts, when delayed, then the wait doubles from 1 s up to 30 s, jittered within its upper half", () => {
    const lowest = Array.from({ length: 8 }, (_, n) => backoffDelay(n, () => 0));
    const highest = Array.from({ length: 8 }, (_, n) => backoffDelay(n, () => 1));
    expect(lowest).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(highest).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(2, () => 0.25)).toBe(2500);
    expect(backoffDelay(1000, () => 1)).toBe(30000);
  });

  it("given a URL with the stage's path, when the token is added, then it is the query's token, encoded", () => {
    expect(streamUrl("wss://abc.execute-api.eu-west-1.amazonaws.com/prod", "a.b+c")).toBe(
      "wss://abc.execute-api.eu-west-1.amazonaws.com/prod?token=a.b%2Bc",
    );
    expect(streamUrl("ws://127.0.0.1:3003", "t")).toBe("ws://127.0.0.1:3003/?token=t");
  });
});

describe("status stream", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.reset();
  });
  const running: (() => void)[] = [];
  afterEach(() => {
    running.splice(0).forEach((stop) => stop());
    vi.useRealTimers();
  });

  function start(token: () => string | undefined = () => "tok-1", random = () => 0.5) {
    const updates: StatusUpdate[] = [];
    const states: string[] = [];
    const stop = openStatusStream({
      wsUrl: "ws://127.0.0.1:3003",
      token,
      onUpdate: (u) => updates.push(u),
      onState: (s) => states.push(s),
      random,
      createSocket: createFakeSocket,
    });
    running.push(stop);
    return { updates, states, stop };
  }

  it("given a token, when started, then it connects with the token in the query and passes on updates", () => {
    const { updates } = start();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last().url).toBe("ws://127.0.0.1:3003/?token=tok-1");
    FakeWebSocket.last().open();
    FakeWebSocket.last().push(SHIPPED);
    FakeWebSocket.last().push({ message: "Forbidden" });
    expect(updates).toEqual([SHIPPED]);
  });

  it("given connections that keep failing, when they close, then each reconnect waits twice as long, up to 30 s", () => {
    start(); // random 0.5: three quarters of each step
    const waits = [750, 1500, 3000, 6000, 12000, 22500, 22500];
    for (const [n, wait] of waits.entries()) {
      FakeWebSocket.last().drop();
      vi.advanceTimersByTime(wait - 1);
      expect(FakeWebSocket.instances).toHaveLength(n + 1);
      vi.advanceTimersByTime(1);
      expect(FakeWebSocket.instances).toHaveLength(n + 2);
    }
  });

  it("given the token changed while waiting, when it reconnects, then the new token is sent", () => {
    let token = "tok-1";
    start(() => token);
    FakeWebSocket.last().open();
    FakeWebSocket.last().drop(1001);
    token = "tok-2";
    vi.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances.map((s) => s.token)).toEqual(["tok-1", "tok-2"]);
  });

  it("given a connection that stayed open a while, when it closes, then the back-off starts over", () => {
    start();
    FakeWebSocket.last().drop();
    vi.advanceTimersByTime(750);
    FakeWebSocket.last().drop();
    vi.advanceTimersByTime(1500);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last().open();
    vi.advanceTimersByTime(60_000);
    FakeWebSocket.last().drop(1001); // API Gateway's idle timeout
    vi.advanceTimersByTime(750);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });

  it("given a long back-off, when the browser comes back online, then it reconnects at once and starts over", () => {
    start();
    for (const wait of [750, 1500, 3000, 6000]) {
      FakeWebSocket.last().drop();
      vi.advanceTimersByTime(wait);
    }
    FakeWebSocket.last().drop(); // the next wait would be 12 s
    expect(FakeWebSocket.instances).toHaveLength(5);
    window.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.instances).toHaveLength(6);
    FakeWebSocket.last().drop();
    vi.advanceTimersByTime(750);
    expect(FakeWebSocket.instances).toHaveLength(7);
    window.dispatchEvent(new Event("online")); // connecting, not waiting: nothing more
    expect(FakeWebSocket.instances).toHaveLength(7);
  });

  it("given a refusal close code, when closed, then it does not reconnect", () => {
    for (const code of [1008, 3000, 3003, 4401, 4403]) {
      FakeWebSocket.reset();
      const { states } = start();
      FakeWebSocket.last().drop(code);
      vi.advanceTimersByTime(120_000);
      expect(FakeWebSocket.instances).toHaveLength(1);
      expect(states.at(-1)).toBe("stopped");
    }
  });

  it("given the session has no token any more, when it would reconnect, then it stops", () => {
    let token: string | undefined = "tok-1";
    const { states } = start(() => token);
    token = undefined; // expired or signed out
    FakeWebSocket.last().drop();
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(states.at(-1)).toBe("stopped");
  });

  it("given no token at all, when started, then nothing connects", () => {
    start(() => undefined);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it("given a wait for a reconnect, when stopped, then it closes and never reconnects", () => {
    const { stop, updates } = start();
    const first = FakeWebSocket.last();
    first.open();
    stop();
    expect(first.closedByClient).toEqual({ code: 1000, reason: "page closed" });
    first.push(SHIPPED);
    expect(updates).toEqual([]);

    FakeWebSocket.reset();
    const second = start();
    FakeWebSocket.last().drop();
    second.stop();
    vi.advanceTimersByTime(120_000);
    window.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
