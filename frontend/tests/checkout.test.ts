import { describe, expect, it } from "vitest";
import { CheckoutAttempt, newIdempotencyKey } from "../src/lib/checkout";

describe("checkout attempt", () => {
  it("given a failed try, when retried, then the same Idempotency-Key is sent again", async () => {
    const attempt = new CheckoutAttempt<string>();
    const keys: string[] = [];
    await expect(
      attempt.submit(async (key) => {
        keys.push(key);
        throw new Error("503");
      }),
    ).rejects.toThrow("503");
    await attempt.submit(async (key) => {
      keys.push(key);
      return "order";
    });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toBe(attempt.key);
    expect(attempt.tries).toBe(2);
  });

  it("given a try in flight, when submitted again (a double click), then nothing more is sent and both get its answer", async () => {
    const attempt = new CheckoutAttempt<string>();
    let sends = 0;
    let finish: (value: string) => void = () => undefined;
    const send = () => {
      sends += 1;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const first = attempt.submit(send);
    const second = attempt.submit(send);
    expect(attempt.pending).toBe(true);
    finish("order-1");
    expect(await first).toBe("order-1");
    expect(await second).toBe("order-1");
    expect(sends).toBe(1);
    expect(attempt.pending).toBe(false);
  });

  it("given two attempts, when started, then each has its own UUID key", () => {
    const a = new CheckoutAttempt();
    const b = new CheckoutAttempt();
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });
});
