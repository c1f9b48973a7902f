import { useCallback, useEffect, useRef, useState } from "react";

/** One page of a list the API pages by cursor: its items and the cursor of the next page (none on the last). */
export interface CursorPage<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface PagedList<T> {
  /** Every page loaded so far, in order. */
  items: T[];
  /** The next page's cursor: undefined until the first page answers, null once the last page is in. */
  next: string | null | undefined;
  loading: boolean;
  error: unknown;
  /** Whether the list is known to be empty: the last page is in, nothing is loading or failed, and there are no items. */
  empty: boolean;
  /** Loads the page after the last one loaded (nothing when there is no next page). */
  loadMore: () => void;
  /** Tries again what failed: the next page when there is a cursor, else the first page. */
  retry: () => void;
}

/**
 * A list paged by the API's cursor: loads the first page whenever `deps` change (and `enabled` is true), then one
 * more page per `loadMore`. A failed page leaves the items loaded so far in place, with the error beside them.
 * Loading the first page again forgets the old cursor, and a request overtaken by a newer one has its answer ignored,
 * so pages of two queries never mix.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
  deps: unknown[],
  { enabled = true }: { enabled?: boolean } = {},
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(async (cursor?: string) => {
    const id = ++run.current;
    setLoading(true);
    setError(null);
    if (!cursor) setNext(undefined);
    try {
      const page = await fetchRef.current(cursor);
      if (id !== run.current) return;
      setItems((old) => (cursor ? [...old, ...page.items] : page.items));
      setNext(page.next_cursor ?? null);
    } catch (e) {
      if (id === run.current) setError(e);
    } finally {
      if (id === run.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (enabled) void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, enabled, ...deps]);

  const loadMore = useCallback(() => {
    if (next) void load(next);
  }, [load, next]);
  const retry = useCallback(() => void load(next ?? undefined), [load, next]);
  const empty = !loading && !error && items.length === 0 && next === null;
  return { items, next, loading, error, empty, loadMore, retry };
}
