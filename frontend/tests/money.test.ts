import { describe, expect, it } from "vitest";
import { formatMoney, minorDigits, parseMoney, toMajorText } from "../src/lib/money";

describe("formatMoney", () => {
  it("given USD cents, when formatted in en-US, then shows dollars with two decimals", () => {
    expect(formatMoney(1999, "USD", "en-US")).toBe("$19.99");
    expect(formatMoney(0, "USD", "en-US")).toBe("$0.00");
    expect(formatMoney(123456789, "USD", "en-US")).toBe("$1,234,567.89");
  });

  it("given a currency without minor units, when formatted, then the amount is whole units", () => {
    expect(minorDigits("JPY")).toBe(0);
    expect(formatMoney(1500, "JPY", "en-US")).toBe("¥1,500");
  });

  it("given a three-digit currency, when formatted, then divides by a thousand", () => {
    expect(minorDigits("KWD")).toBe(3);
    expect(formatMoney(1500, "KWD", "en-US")).toMatch(/1\.500/);
  });

  it("given EUR in de-DE, when formatted, then uses the locale's separators", () => {
    expect(formatMoney(123456, "EUR", "de-DE")).toBe("1.234,56\u00a0€");
  });

  it("given a fractional amount, when formatted, then refuses it", () => {
    expect(() => formatMoney(10.5, "USD")).toThrow(RangeError);
  });
});

describe("parseMoney", () => {
  it("given decimal text, when parsed, then gives exact minor units without float error", () => {
    expect(parseMoney("12.99", "USD")).toBe(1299);
    expect(parseMoney("0.29", "USD")).toBe(29);
    expect(parseMoney("1,299.5", "USD")).toBe(129950);
    expect(parseMoney("12", "USD")).toBe(1200);
    expect(parseMoney("1500", "JPY")).toBe(1500);
  });

  it("given text that is not an amount, when parsed, then gives null", () => {
    expect(parseMoney("", "USD")).toBeNull();
    expect(parseMoney("-1", "USD")).toBeNull();
    expect(parseMoney("1.999", "USD")).toBeNull();
    expect(parseMoney("abc", "USD")).toBeNull();
    expect(parseMoney("1.5", "JPY")).toBeNull();
  });

  it("given minor units, when turned to the form's text, then parses back to the same amount", () => {
    for (const cents of [0, 5, 99, 100, 1299, 123456]) {
      expect(parseMoney(toMajorText(cents, "USD"), "USD")).toBe(cents);
    }
    expect(toMajorText(5, "USD")).toBe("0.05");
    expect(toMajorText(1500, "JPY")).toBe("1500");
  });
});
