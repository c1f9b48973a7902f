/**
 * Money is integer minor units everywhere (the API's `*_cents` fields); only display divides, by the
 * currency's own number of minor digits (2 for USD, 0 for JPY, 3 for KWD), as Intl knows them.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ""}|${currency}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, found);
  }
  return found;
}

export function minorDigits(currency: string): number {
  return formatter(currency, "en").resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minorUnits: number, currency: string, locale?: string): string {
  if (!Number.isInteger(minorUnits)) throw new RangeError(`money must be integer minor units, got ${minorUnits}`);
  const digits = minorDigits(currency);
  return formatter(currency, locale).format(minorUnits / 10 ** digits);
}

/**
 * Parses what an admin types in the Price field ("12.99", "12", "1,299.50") into minor units of the
 * currency, exactly (string arithmetic, no float rounding). Returns null for anything else.
 */
export function parseMoney(text: string, currency: string): number | null {
  const cleaned = text.trim().replace(/[,\s]/g, "");
  const digits = minorDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const value = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(value) ? value : null;
}

/** The inverse of parseMoney, for filling the admin's Price field: 1299 USD → "12.99". */
export function toMajorText(minorUnits: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minorUnits);
  const text = String(minorUnits).padStart(digits + 1, "0");
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
