/**
 * The search page's whole state lives in the URL (`/search?q=&category=&brand=&price=&sort=`), so a search
 * can be shared, reloaded and walked with Back. These functions are the one mapping between the URL, the
 * page's state and the API's query parameters.
 */
export const SORTS = ["relevance", "price_asc", "price_desc", "newest"] as const;
export type Sort = (typeof SORTS)[number];

export const SORT_LABELS: Record<Sort, string> = {
  relevance: "Relevance",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  newest: "Newest",
};

/** A price bucket as the API's facet gives it: cents, `to` exclusive, null for an open end. */
export interface PriceRange {
  from: number | null;
  to: number | null;
}

export interface SearchState {
  q: string;
  categories: string[];
  brands: string[];
  price: PriceRange | null;
  sort: Sort;
}

export const EMPTY_SEARCH: SearchState = { q: "", categories: [], brands: [], price: null, sort: "relevance" };

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values.filter((v) => v !== ""))].sort();
}

/** `1000-5000`, `-1000`, `5000-` ↔ a range; anything else is no range. */
export function parsePriceParam(value: string | null): PriceRange | null {
  if (!value) return null;
  const match = /^(\d*)-(\d*)$/.exec(value);
  if (!match || (match[1] === "" && match[2] === "")) return null;
  const from = match[1] ? Number(match[1]) : null;
  const to = match[2] ? Number(match[2]) : null;
  if (from !== null && to !== null && to <= from) return null;
  return { from, to };
}

export function priceParam(range: PriceRange): string {
  return `${range.from ?? ""}-${range.to ?? ""}`;
}

export function parseSearchParams(params: URLSearchParams): SearchState {
  const sort = params.get("sort");
  return {
    q: params.get("q") ?? "",
    categories: uniqueSorted(params.getAll("category")),
    brands: uniqueSorted(params.getAll("brand")),
    price: parsePriceParam(params.get("price")),
    sort: SORTS.includes(sort as Sort) ? (sort as Sort) : "relevance",
  };
}

/** The URL's query for a state; defaults are left out so equal searches have equal URLs. */
export function toSearchParams(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q);
  for (const c of uniqueSorted(state.categories)) params.append("category", c);
  for (const b of uniqueSorted(state.brands)) params.append("brand", b);
  if (state.price) params.set("price", priceParam(state.price));
  if (state.sort !== "relevance") params.set("sort", state.sort);
  return params;
}

/** The API's query for a state: `max_price` is inclusive where the bucket's `to` is exclusive. */
export function toApiQuery(state: SearchState): {
  q?: string;
  category?: string[];
  brand?: string[];
  min_price?: number;
  max_price?: number;
  sort?: Sort;
} {
  const query: ReturnType<typeof toApiQuery> = {};
  if (state.q.trim()) query.q = state.q.trim();
  if (state.categories.length) query.category = state.categories;
  if (state.brands.length) query.brand = state.brands;
  if (state.price?.from != null) query.min_price = state.price.from;
  if (state.price?.to != null) query.max_price = state.price.to - 1;
  if (state.sort !== "relevance") query.sort = state.sort;
  return query;
}

export function toggleValue(values: string[], value: string): string[] {
  return values.includes(value) ? values.filter((v) => v !== value) : uniqueSorted([...values, value]);
}

export function samePrice(a: PriceRange | null, b: PriceRange | null): boolean {
  return (a?.from ?? null) === (b?.from ?? null) && (a?.to ?? null) === (b?.to ?? null) && !!a === !!b;
}

export function hasFilters(state: SearchState): boolean {
  return state.categories.length > 0 || state.brands.length > 0 || state.price !== null;
}
