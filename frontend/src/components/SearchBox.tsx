import { useEffect, useRef, useState, type FormEvent } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { EMPTY_SEARCH, parseSearchParams, toSearchParams } from "../lib/searchState";

const TYPING_DELAY_MS = 300;

/**
 * The search box on every page. Enter searches (a new entry in the history); on the search page the
 * results also follow the typing, after a short pause, replacing the current entry.
 */
export function SearchBox() {
  const location = useLocation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const onSearchPage = location.pathname === "/search";
  const urlQuery = onSearchPage ? (params.get("q") ?? "") : "";
  const [text, setText] = useState(urlQuery);
  const lastSent = useRef(urlQuery);
  const timer = useRef<number | undefined>(undefined);

  // Back/Forward or a shared link: the box shows the URL's query.
  useEffect(() => {
    if (urlQuery !== lastSent.current) {
      lastSent.current = urlQuery;
      setText(urlQuery);
    }
  }, [urlQuery]);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  function go(q: string, replace: boolean) {
    window.clearTimeout(timer.current);
    const current = onSearchPage ? parseSearchParams(params) : EMPTY_SEARCH;
    // A new query starts from no filters, keeping the chosen sort.
    const next = toSearchParams({ ...EMPTY_SEARCH, sort: current.sort, q });
    lastSent.current = q;
    navigate({ pathname: "/search", search: `?${next.toString()}` }, { replace });
  }

  function onChange(value: string) {
    setText(value);
    if (!onSearchPage) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => go(value, true), TYPING_DELAY_MS);
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    go(text, false);
  }

  return (
    <form className="search-box" role="search" onSubmit={onSubmit}>
      <input
        type="search"
        name="q"
        aria-label="Search"
        placeholder="Search products"
        value={text}
        maxLength={200}
        autoComplete="off"
        enterKeyHint="search"
        onChange={(e) => onChange(e.target.value)}
      />
      <button type="submit" className="search-submit">
        <span className="visually-hidden">Submit search</span>
        <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="22" height="22">
          <circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" strokeWidth="2.5" />
          <path d="M15 15l6 6" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        </svg>
      </button>
    </form>
  );
}
