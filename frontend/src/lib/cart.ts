/** Cart arithmetic: integer minor units and whole quantities, bounded as the API bounds them. */
export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 99;

export interface CartLineLike {
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  line_total_cents?: number;
}

/** A quantity the API accepts: whole, 1–99 (NaN and fractions round, extremes clamp). */
export function clampQuantity(value: number): number {
  if (!Number.isFinite(value)) return MIN_QUANTITY;
  return Math.min(MAX_QUANTITY, Math.max(MIN_QUANTITY, Math.round(value)));
}

/** The header badge: how many items, not how many lines. */
export function itemCount(lines: readonly CartLineLike[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}

/** "1 item", "3 items": a count of items in words. */
export function itemsLabel(count: number): string {
  return count === 1 ? "1 item" : `${count} items`;
}

export function lineTotal(line: CartLineLike): number {
  return line.unit_price_cents * line.quantity;
}

export function cartTotal(lines: readonly CartLineLike[]): number {
  return lines.reduce((sum, line) => sum + lineTotal(line), 0);
}

/** The quantity after "Add to cart": one more than the cart holds, never beyond 99 or the stock. */
export function quantityAfterAdd(lines: readonly CartLineLike[], productId: string, stock?: number): number {
  const current = lines.find((l) => l.product_id === productId)?.quantity ?? 0;
  const limit = stock === undefined ? MAX_QUANTITY : Math.min(MAX_QUANTITY, Math.max(stock, MIN_QUANTITY));
  return Math.min(limit, current + 1);
}
