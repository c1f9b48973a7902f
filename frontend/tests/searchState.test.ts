import { describe, expect, it } from "vitest";
import {
  EMPTY_SEARCH,
  parsePriceParam,
  parseSearchParams,
  toApiQuery,
  toggleValue,
  toSearchParams,
} from "../src/lib/searchState";

describe("search state in the URL", () => {
  it("given a full state, when written to the URL and read back, then nothing is lost", () => {
    const state = {
      q: "wireles headphnes",
      categories: ["audio"],
      brands: ["Northbeat", "Sonara"],
      price: { from: 5000, to: 10000 },
      sort: "price_asc" as const,
    };
    const params = toSearchParams(state);
    expect(params.toString()).toBe(
      "q=wireles+headphnes&category=audio&brand=Northbeat&brand=Sonara&price=5000-10000&sort=price_asc",
    );
    expect(parseSearchParams(new URLSearchParams(params.toString()))).toEqual(state);
  });

  it("given the default state, when written, then the URL query is empty", () => {
    expect(toSearchParams(EMPTY_SEARCH).toString()).toBe("");
  });

  it("given facet values in any order or repeated, when read, then equal searches have equal URLs", () => {
    const a = parseSearchParams(new URLSearchParams("brand=Sonara&brand=Northbeat&brand=Sonara"));
    const b = parseSearchParams(new URLSearchParams("brand=Northbeat&brand=Sonara"));
    expect(toSearchParams(a).toString()).toBe(toSearchParams(b).toString());
  });

  it("given bad values in the URL, when read, then they fall back to defaults", () => {
    const state = parseSearchParams(new URLSearchParams("sort=cheapest&price=abc&category="));
    expect(state).toEqual(EMPTY_SEARCH);
    expect(parsePriceParam("100-50")).toBeNull();
    expect(parsePriceParam("-")).toBeNull();
    expect(parsePriceParam("-2500")).toEqual({ from: null, to: 2500 });
    expect(parsePriceParam("50000-")).toEqual({ from: 50000, to: null });
  });

  it("given a price bucket, when sent to the API, then its exclusive end becomes an inclusive max_price", () => {
    expect(toApiQuery({ ...EMPTY_SEARCH, price: { from: 2500, to: 5000 } })).toEqual({ min_price: 2500, max_price: 4999 });
    expect(toApiQuery({ ...EMPTY_SEARCH, price: { from: null, to: 2500 } })).toEqual({ max_price: 2499 });
    expect(toApiQuery({ ...EMPTY_SEARCH, price: { from: 50000, to: null } })).toEqual({ min_price: 50000 });
  });

  it("given words and facets, when sent to the API, then relevance is the API's default and left out", () => {
    expect(toApiQuery({ ...EMPTY_SEARCH, q: "  kettle ", categories: ["kitchen"], brands: ["B"] })).toEqual({
      q: "kettle",
      category: ["kitchen"],
      brand: ["B"],
    });
    expect(toApiQuery({ ...EMPTY_SEARCH, sort: "newest" })).toEqual({ sort: "newest" });
  });

  it("given a facet value, when toggled twice, then it is picked then cleared", () => {
    const once = toggleValue(["b"], "a");
    expect(once).toEqual(["a", "b"]);
    expect(toggleValue(once, "a")).toEqual(["b"]);
  });
});
