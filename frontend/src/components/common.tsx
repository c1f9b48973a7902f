import { useEffect, type ReactNode } from "react";
import { Link } from "react-router";
import { describeError, isRetryable, NetworkError } from "../lib/problem";
import { formatMoney } from "../lib/money";
import type { PagedList } from "../lib/usePagedList";

export function Money({ cents, currency }: { cents: number; currency: string }) {
  return <span className="money">{formatMoney(cents, currency)}</span>;
}

/** An error for people, with "Try again" when trying again may help (and by itself once back online). */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  useEffect(() => {
    if (!onRetry || !(error instanceof NetworkError)) return;
    window.addEventListener("online", onRetry);
    return () => window.removeEventListener("online", onRetry);
  }, [error, onRetry]);
  return (
    <div className="alert alert-error" role="alert">
      <p>{describeError(error)}</p>
      {onRetry && isRetryable(error) ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

/** Under a paged list: its error (with "Try again"), "Loading…" while a page loads, and "Load more" while there is a next page. */
export function PagingControls({ list }: { list: Pick<PagedList<unknown>, "error" | "loading" | "next" | "loadMore" | "retry"> }) {
  return (
    <>
      {list.error ? <ErrorMessage error={list.error} onRetry={list.retry} /> : null}
      {list.loading ? <Loading /> : null}
      {list.next && !list.loading ? (
        <button type="button" className="load-more" onClick={list.loadMore}>
          Load more
        </button>
      ) : null}
    </>
  );
}

export function StockMessage({ stock }: { stock: number }) {
  if (stock <= 0) return <p className="stock stock-out">Out of stock</p>;
  if (stock <= 5) return <p className="stock stock-low">Only {stock} left</p>;
  return <p className="stock stock-in">In stock</p>;
}

export function Page({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}

export function NeedsSignIn({ what }: { what: string }) {
  return (
    <p className="notice">
      You need to be signed in to {what}. Use the sign-in button at the top of the page. <Link to="/">Keep browsing</Link>
    </p>
  );
}
