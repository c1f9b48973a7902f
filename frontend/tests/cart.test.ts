import { describe, expect, it } from "vitest";
import { cartTotal, clampQuantity, itemCount, itemsLabel, lineTotal, quantityAfterAdd } from "../src/lib/cart";

const lines = [
  { product_id: "a", quantity: 2, unit_price_cents: 1999 },
  { product_id: "b", quantity: 1, unit_price_cents: 500 },
];

describe("cart arithmetic", () => {
  it("given lines, when counted, then the badge counts items, not lines", () => {
    expect(itemCount(lines)).toBe(3);
    expect(itemCount([])).toBe(0);
  });

  it("given a count, when put in words, then one is singular and every other count plural", () => {
    expect(itemsLabel(1)).toBe("1 item");
    expect(itemsLabel(0)).toBe("0 items");
    expect(itemsLabel(3)).toBe("3 items");
  });

  it("given lines, when totalled, then sums quantity times unit price in minor units", () => {
    expect(lineTotal(lines[0]!)).toBe(3998);
    expect(cartTotal(lines)).toBe(4498);
    expect(cartTotal([])).toBe(0);
  });

  it("given quantities out of range, when clamped, then stay within 1 to 99", () => {
    expect(clampQuantity(0)).toBe(1);
    expect(clampQuantity(-5)).toBe(1);
    expect(clampQuantity(100)).toBe(99);
    expect(clampQuantity(2.6)).toBe(3);
    expect(clampQuantity(Number.NaN)).toBe(1);
    expect(clampQuantity(42)).toBe(42);
  });

  it("given a product in the cart, when added again, then its quantity grows by one up to 99 and the stock", () => {
    expect(quantityAfterAdd(lines, "a")).toBe(3);
    expect(quantityAfterAdd(lines, "c")).toBe(1);
    expect(quantityAfterAdd([{ product_id: "a", quantity: 99, unit_price_cents: 1 }], "a")).toBe(99);
    expect(quantityAfterAdd(lines, "a", 2)).toBe(2);
    expect(quantityAfterAdd(lines, "c", 3)).toBe(1);
  });
});
