import { useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { call, type SearchHit, type SearchResults } from "../api/client";
import { useApi } from "../app/context";
import { ErrorMessage, Loading } from "../components/common";
import { ProductGrid } from "../components/ProductCard";
import { formatMoney } from "../lib/money";
import {
  hasFilters,
  parseSearchParams,
  samePrice,
  SORT_LABELS,
  SORTS,
  toApiQuery,
  toggleValue,
  toSearchParams,
  type PriceRange,
  type SearchState,
  type Sort,
} from "../lib/searchState";

const PAGE_SIZE = 20;

export function priceRangeLabel(range: PriceRange, currency: string): string {
  if (range.from != null && range.to != null) {
    return `${formatMoney(range.from, currency)} to ${formatMoney(range.to, currency)}`;
  }
  if (range.to != null) return `Under ${formatMoney(range.to, currency)}`;
  if (range.from != null) return `${formatMoney(range.from, currency)} and up`;
  return "Any price";
}

/** Hits a facet does not list (it lists the values with the most hits): counted, so the numbers add up. */
function FacetRest({ count, what }: { count: number | undefined; what: string }) {
  if (!count) return null;
  return (
    <p className="facet-rest">
      {count} more {what}
    </p>
  );
}

/**
 * A facet picked by checkboxes (any number of values): each listed value with its count, the hits it does not list,
 * and "None" when it has nothing at all.
 */
function CheckboxFacet({
  legend,
  options,
  picked,
  onPick,
  rest,
}: {
  legend: string;
  options: { value: string; count: number }[];
  picked: string[];
  onPick: (picked: string[]) => void;
  rest: { count: number | undefined; what: string }[];
}) {
  return (
    <fieldset className="facet">
      <legend>{legend}</legend>
      {options.map((f) => (
        <label key={f.value} className="facet-option">
          <input type="checkbox" checked={picked.includes(f.value)} onChange={() => onPick(toggleValue(picked, f.value))} />
          {f.value} <span className="count">({f.count})</span>
        </label>
      ))}
      {options.length === 0 && !rest.some((r) => r.count) ? <p className="facet-empty">None</p> : null}
      {rest.map((r) => (
        <FacetRest key={r.what} count={r.count} what={r.what} />
      ))}
    </fieldset>
  );
}

interface Results {
  key: string;
  items: SearchHit[];
  total: number;
  facets: SearchResults["facets"] | null;
  next: string | null;
}

export function SearchPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseSearchParams(params), [params]);
  const key = toSearchParams(state).toString();
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retry, setRetry] = useState(0);
  const run = useRef(0);

  async function fetchPage(cursor: string | null) {
    const id = ++run.current;
    setLoading(true);
    setError(null);
    try {
      const query = { ...toApiQuery(state), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
      const page = await call(api.GET("/search", { params: { query } }));
      if (id !== run.current) return;
      setResults((old) => ({
        key,
        items: cursor && old?.key === key ? [...old.items, ...page.items] : page.items,
        total: page.total,
        facets: page.facets,
        next: page.next_cursor ?? null,
      }));
    } catch (e) {
      if (id === run.current) setError(e);
    } finally {
      if (id === run.current) setLoading(false);
    }
  }

  useEffect(() => {
    void fetchPage(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, api, retry]);

  function update(next: SearchState) {
    setParams(toSearchParams(next));
  }

  const currency = results?.items[0]?.currency ?? "USD";
  const facets = results?.facets;
  const title = state.q ? `Results for “${state.q}”` : "All products";

  return (
    <div className="search-page">
      <h1>{title}</h1>
      <p className="result-count" aria-live="polite">
        {results && results.key === key ? `${results.total} ${results.total === 1 ? "result" : "results"}` : ""}
      </p>
      <div className="search-layout">
        <aside className="facets" aria-label="Filters">
          <div className="sort">
            <label htmlFor="sort">Sort by</label>
            <select id="sort" value={state.sort} onChange={(e) => update({ ...state, sort: e.target.value as Sort })}>
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {SORT_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          {facets ? (
            <>
              <CheckboxFacet
                legend="Category"
                options={facets.category}
                picked={state.categories}
                onPick={(categories) => update({ ...state, categories })}
                rest={[{ count: facets.category_other_count, what: "in other categories" }]}
              />
              <CheckboxFacet
                legend="Brand"
                options={facets.brand}
                picked={state.brands}
                onPick={(brands) => update({ ...state, brands })}
                rest={[
                  { count: facets.brand_other_count, what: "of other brands" },
                  { count: facets.brand_missing_count, what: "without a brand" },
                ]}
              />
              <fieldset className="facet">
                <legend>Price</legend>
                <label className="facet-option">
                  <input
                    type="radio"
                    name="price"
                    checked={state.price === null}
                    onChange={() => update({ ...state, price: null })}
                  />
                  Any price
                </label>
                {facets.price.map((bucket) => {
                  const range = { from: bucket.from ?? null, to: bucket.to ?? null };
                  const checked = samePrice(state.price, range);
                  return (
                    <label key={`${range.from}-${range.to}`} className="facet-option">
                      <input
                        type="radio"
                        name="price"
                        checked={checked}
                        disabled={bucket.count === 0 && !checked}
                        onChange={() => update({ ...state, price: range })}
                      />
                      {priceRangeLabel(range, currency)} <span className="count">({bucket.count})</span>
                    </label>
                  );
                })}
              </fieldset>
            </>
          ) : null}
          {hasFilters(state) ? (
            <button
              type="button"
              className="clear-filters"
              onClick={() => update({ ...state, categories: [], brands: [], price: null })}
            >
              Clear filters
            </button>
          ) : null}
        </aside>
        <section className="results" aria-label="Results">
          {error ? <ErrorMessage error={error} onRetry={() => setRetry((n) => n + 1)} /> : null}
          {results && results.key === key ? <ProductGrid products={results.items} label="Search results" /> : null}
          {results && results.key === key && results.items.length === 0 && !loading ? (
            <p className="empty">No products match. Try other words or fewer filters.</p>
          ) : null}
          {loading ? <Loading label="Searching…" /> : null}
          {results && results.key === key && results.next && !loading ? (
            <button type="button" className="load-more" onClick={() => void fetchPage(results.next)}>
              Load more
            </button>
          ) : null}
        </section>
      </div>
    </div>
  );
}
