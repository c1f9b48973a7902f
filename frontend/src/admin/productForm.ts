import type { Product, ProductCreate, ProductUpdate } from "../api/client";
import { parseMoney, toMajorText } from "../lib/money";

/** The product form's text fields. */
export interface ProductFormValues {
  name: string;
  category: string;
  brand: string;
  price: string;
  currency: string;
  stock: string;
  description: string;
  tags: string;
}

export type FormField = keyof ProductFormValues;

export const EMPTY_PRODUCT_FORM: ProductFormValues = {
  name: "",
  category: "",
  brand: "",
  price: "",
  currency: "USD",
  stock: "0",
  description: "",
  tags: "",
};

export function formValuesOf(product: Product): ProductFormValues {
  return {
    name: product.name,
    category: product.category,
    brand: product.brand ?? "",
    price: toMajorText(product.price_cents, product.currency),
    currency: product.currency,
    stock: String(product.stock),
    description: product.description ?? "",
    tags: (product.tags ?? []).join(", "),
  };
}

/** API field → form field, for the 422's `errors[].loc`. */
export const API_FIELD_TO_FORM: Record<string, FormField> = {
  name: "name",
  category: "category",
  brand: "brand",
  price_cents: "price",
  currency: "currency",
  stock: "stock",
  description: "description",
  tags: "tags",
};

export type Parsed =
  | { ok: true; body: ProductCreate & ProductUpdate }
  | { ok: false; errors: Partial<Record<FormField, string>> };

/**
 * The form as an API body: price typed in major units ("12.99") becomes exact minor units; an empty
 * optional field becomes null (which clears it in a PATCH). Only what the API cannot tell us (a price
 * or stock that is not a number) is checked here; everything else is the API's 422 to report.
 */
export function parseProductForm(values: ProductFormValues): Parsed {
  const errors: Partial<Record<FormField, string>> = {};
  // The API checks the code against ISO 4217 and names the field in its 422; the form sends what was typed.
  const currency = (values.currency.trim().toUpperCase() || "USD") as ProductCreate["currency"];
  let priceCents: number | null = null;
  try {
    priceCents = parseMoney(values.price, currency);
  } catch {
    errors.currency = "Enter a three-letter currency code, e.g. USD";
  }
  if (priceCents === null && !errors.currency) errors.price = "Enter a price such as 12.99";
  const stockText = values.stock.trim();
  const stock = /^\d+$/.test(stockText) ? Number(stockText) : null;
  if (stock === null) errors.stock = "Enter a whole number, 0 or more";
  if (Object.keys(errors).length > 0 || priceCents === null || stock === null) return { ok: false, errors };
  const tags = values.tags
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    ok: true,
    body: {
      name: values.name.trim(),
      category: values.category.trim(),
      brand: values.brand.trim() || null,
      description: values.description.trim() || null,
      price_cents: priceCents,
      currency,
      stock,
      tags,
    },
  };
}
