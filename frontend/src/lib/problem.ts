/** RFC 9457 problem details, as every API error answers, and how the app reads them. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string | null;
  errors?: ValidationIssue[] | null;
  [extension: string]: unknown;
}

/** An answer of the API that was not a success, carrying its problem details. */
export class ApiError extends Error {
  readonly problem: ProblemDetails;
  constructor(problem: ProblemDetails) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = "ApiError";
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get slug(): string {
    return problemSlug(this.problem);
  }
}

/** The request never got an answer (offline, DNS, CORS refusal, connection reset). */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super("The shop could not be reached");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

function isProblemLike(body: unknown): body is Partial<ProblemDetails> {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

/** Reads an error answer's body as problem details; a body that is not one becomes a generic problem. */
export function toProblem(status: number, body: unknown, statusText = ""): ProblemDetails {
  if (isProblemLike(body) && typeof body.title === "string") {
    return {
      ...body,
      type: typeof body.type === "string" ? body.type : "about:blank",
      title: body.title,
      status: typeof body.status === "number" ? body.status : status,
      errors: Array.isArray(body.errors) ? body.errors : null,
    };
  }
  // API Gateway's own answers ({"message": ...}) and bodies that are not JSON.
  const message = isProblemLike(body) && typeof body.message === "string" ? body.message : undefined;
  return { type: "about:blank", title: statusText || `HTTP ${status}`, status, detail: message ?? null };
}

/** `urn:shop:problem:out-of-stock` → `out-of-stock`; `about:blank` → "". */
export function problemSlug(problem: ProblemDetails): string {
  if (!problem.type || problem.type === "about:blank") return "";
  const parts = problem.type.split(/[:/]/);
  return parts[parts.length - 1] ?? "";
}

/**
 * Field-level messages of a 422: `errors[].loc` names each field under the request part ("body",
 * "query", ...). Only issues under `prefix` (e.g. ["shipping_address"]) are kept, keyed by the rest of
 * their location joined with dots ("postal_code"); the first message of a field wins.
 */
export function fieldErrors(problem: ProblemDetails, prefix: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of problem.errors ?? []) {
    const loc = issue.loc.map(String);
    const path = loc[0] === "body" || loc[0] === "query" || loc[0] === "header" ? loc.slice(1) : loc;
    if (!prefix.every((part, i) => path[i] === part)) continue;
    const key = path.slice(prefix.length).join(".");
    if (key && !(key in out)) out[key] = issue.msg;
  }
  return out;
}

/** The products an `out-of-stock` problem names: an id list extension if present, else its detail text. */
export function outOfStockProductIds(problem: ProblemDetails): string[] {
  for (const name of ["product_ids", "products"]) {
    const value = problem[name];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  }
  const detail = problem.detail ?? "";
  const at = detail.indexOf(":");
  if (at < 0) return [];
  return detail
    .slice(at + 1)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Whether trying the same request again may succeed (server trouble or a lost race). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (!(error instanceof ApiError)) return false;
  return (
    error.status >= 500 ||
    ["too-many-conflicts", "request-in-progress", "checkout-unavailable"].includes(error.slug)
  );
}

/** A sentence for people, for any error the app may meet. */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError) {
    return typeof navigator !== "undefined" && navigator.onLine === false
      ? "You are offline. Check your connection and try again."
      : "The shop could not be reached. Try again in a moment.";
  }
  if (!(error instanceof ApiError)) return "Something went wrong. Try again.";
  switch (error.slug) {
    case "cart-empty":
      return "Your cart is empty: add something before checking out.";
    case "mixed-currencies":
      return "Your cart mixes currencies; check out products of one currency at a time.";
    case "cart-full":
      return "Your cart is full (50 different products at most).";
    case "too-many-conflicts":
      return "Things changed while we were working on it. Please try again.";
    case "request-in-progress":
      return "Your order is still being placed. Try again in a moment to see it.";
    case "checkout-unavailable":
      return "Checkout is unavailable right now. Please try again.";
    case "search-unavailable":
      return "Search is unavailable right now. Please try again.";
    case "version-mismatch":
      return "Someone else changed it meanwhile.";
    case "idempotency-key-reused":
      return "This checkout was already sent with other details. Check your orders before trying again.";
    case "invalid-status-transition":
      return "The order's status has changed; it cannot move so.";
    default:
      break;
  }
  if (error.status === 401) return "Please sign in again.";
  if (error.status === 403) return "You are not allowed to do that.";
  if (error.status === 404) return "Not found.";
  if (error.status >= 500) return "The shop had a problem. Please try again.";
  return error.problem.detail ? `${error.problem.title}: ${error.problem.detail}` : error.problem.title;
}
