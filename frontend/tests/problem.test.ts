import { describe, expect, it } from "vitest";
import {
  ApiError,
  describeError,
  fieldErrors,
  isRetryable,
  NetworkError,
  outOfStockProductIds,
  problemSlug,
  toProblem,
} from "../src/lib/problem";

const validation = {
  type: "urn:shop:problem:validation-failed",
  title: "Request is not valid",
  status: 422,
  errors: [
    { loc: ["body", "shipping_address", "postal_code"], msg: "String should have at least 1 character", type: "string_too_short" },
    { loc: ["body", "shipping_address", "country"], msg: "String should match pattern", type: "string_pattern_mismatch" },
    { loc: ["body", "shipping_address", "country"], msg: "second message", type: "x" },
    { loc: ["header", "idempotency-key"], msg: "Field required", type: "missing" },
  ],
};

describe("problem details", () => {
  it("given an RFC 9457 body, when read, then keeps its fields and extensions", () => {
    const problem = toProblem(409, { type: "urn:shop:problem:out-of-stock", title: "Not enough stock", status: 409, detail: "d", product_ids: ["a"] });
    expect(problem).toMatchObject({ type: "urn:shop:problem:out-of-stock", status: 409, detail: "d", product_ids: ["a"], errors: null });
    expect(problemSlug(problem)).toBe("out-of-stock");
  });

  it("given a body that is not a problem, when read, then gives a generic problem with the status", () => {
    expect(toProblem(502, { message: "Internal server error" }, "Bad Gateway")).toEqual({
      type: "about:blank",
      title: "Bad Gateway",
      status: 502,
      detail: "Internal server error",
    });
    expect(toProblem(500, "<html>oops</html>")).toMatchObject({ title: "HTTP 500", status: 500, detail: null });
    expect(problemSlug(toProblem(500, null))).toBe("");
  });

  it("given a 422, when its errors are read under a prefix, then each field gets its first message", () => {
    expect(fieldErrors(validation, ["shipping_address"])).toEqual({
      postal_code: "String should have at least 1 character",
      country: "String should match pattern",
    });
    expect(fieldErrors(validation)).toMatchObject({ "idempotency-key": "Field required" });
  });

  it("given out-of-stock, when its products are read, then the extension list wins over the detail text", () => {
    const base = { type: "urn:shop:problem:out-of-stock", title: "Not enough stock", status: 409 };
    expect(outOfStockProductIds({ ...base, detail: "not enough stock for products: p1, p2" })).toEqual(["p1", "p2"]);
    expect(outOfStockProductIds({ ...base, detail: "x: p1", product_ids: ["p9"] })).toEqual(["p9"]);
    expect(outOfStockProductIds({ ...base, detail: null })).toEqual([]);
  });

  it("given errors, when asked whether to retry, then server trouble and lost races are retryable, the rest not", () => {
    const error = (status: number, slug = "") => new ApiError({ type: slug ? `urn:shop:problem:${slug}` : "about:blank", title: "t", status });
    expect(isRetryable(new NetworkError())).toBe(true);
    expect(isRetryable(error(503, "checkout-unavailable"))).toBe(true);
    expect(isRetryable(error(502))).toBe(true);
    expect(isRetryable(error(409, "too-many-conflicts"))).toBe(true);
    expect(isRetryable(error(409, "request-in-progress"))).toBe(true);
    expect(isRetryable(error(409, "out-of-stock"))).toBe(false);
    expect(isRetryable(error(422, "cart-empty"))).toBe(false);
    expect(isRetryable(new Error("x"))).toBe(false);
  });

  it("given known problems, when described, then people get a sentence, not a type", () => {
    const error = (status: number, slug: string) => new ApiError({ type: `urn:shop:problem:${slug}`, title: "t", status });
    expect(describeError(error(422, "cart-empty"))).toMatch(/cart is empty/i);
    expect(describeError(error(503, "checkout-unavailable"))).toMatch(/try again/i);
    expect(describeError(new ApiError({ type: "about:blank", title: "Bad Gateway", status: 502 }))).toMatch(/try again/i);
    expect(describeError(new ApiError({ type: "about:blank", title: "Nope", status: 400, detail: "bad cursor" }))).toBe("Nope: bad cursor");
  });
});
