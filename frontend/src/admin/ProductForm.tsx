import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { call, type Product } from "../api/client";
import { useApi } from "../app/context";
import { ErrorMessage, Loading, Page } from "../components/common";
import { ApiError, describeError, fieldErrors } from "../lib/problem";
import {
  API_FIELD_TO_FORM,
  EMPTY_PRODUCT_FORM,
  formValuesOf,
  parseProductForm,
  type FormField,
  type ProductFormValues,
} from "./productForm";

const FIELDS: { name: FormField; label: string; hint?: string; multiline?: boolean; inputMode?: "decimal" | "numeric" }[] = [
  { name: "name", label: "Name" },
  { name: "category", label: "Category" },
  { name: "brand", label: "Brand", hint: "Optional" },
  { name: "price", label: "Price", hint: "In the currency's units, e.g. 12.99", inputMode: "decimal" },
  { name: "currency", label: "Currency", hint: "Three-letter code, e.g. USD" },
  { name: "stock", label: "Stock", hint: "Units on hand", inputMode: "numeric" },
  { name: "description", label: "Description", hint: "Optional", multiline: true },
  { name: "tags", label: "Tags", hint: "Optional, separated by commas" },
];

type Notice = { text: string; kind: "error" | "success"; stale?: boolean };

export function ProductForm() {
  const { id } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  const created = (location.state as { created?: boolean } | null)?.created === true;
  const [product, setProduct] = useState<Product | null>(null);
  const [values, setValues] = useState<ProductFormValues>(EMPTY_PRODUCT_FORM);
  const [errors, setErrors] = useState<Partial<Record<FormField, string>>>({});
  const [notice, setNotice] = useState<Notice | null>(
    created ? { text: "Product created.", kind: "success" } : null,
  );
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(!!id);
  const [busy, setBusy] = useState(false);

  async function load(productId: string) {
    setLoading(true);
    setLoadError(null);
    try {
      const p = await call(api.GET("/products/{product_id}", { params: { path: { product_id: productId } } }));
      setProduct(p);
      setValues(formValuesOf(p));
      setErrors({});
    } catch (e) {
      setLoadError(e);
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    if (id) void load(id);
    else {
      setProduct(null);
      setValues(EMPTY_PRODUCT_FORM);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, api]);

  function showApiError(e: unknown) {
    if (e instanceof ApiError && e.status === 412) {
      setNotice({
        text: "Someone else changed this product since you opened it. Reload to see their changes, then edit again.",
        kind: "error",
        stale: true,
      });
      return;
    }
    if (e instanceof ApiError && e.status === 422 && e.problem.errors?.length) {
      const byField: Partial<Record<FormField, string>> = {};
      for (const [field, msg] of Object.entries(fieldErrors(e.problem))) {
        const formField = API_FIELD_TO_FORM[field.split(".")[0] ?? ""];
        if (formField && !byField[formField]) byField[formField] = msg;
      }
      setErrors(byField);
      setNotice({ text: "Please correct the highlighted fields.", kind: "error" });
      return;
    }
    setNotice({ text: describeError(e), kind: "error" });
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const parsed = parseProductForm(values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      setNotice({ text: "Please correct the highlighted fields.", kind: "error" });
      return;
    }
    setErrors({});
    setNotice(null);
    setBusy(true);
    try {
      if (product) {
        const saved = await call(
          api.PATCH("/products/{product_id}", {
            params: { path: { product_id: product.id }, header: { "if-match": `"${product.version}"` } },
            body: parsed.body,
          }),
        );
        setProduct(saved);
        setValues(formValuesOf(saved));
        setNotice({ text: "Saved.", kind: "success" });
      } else {
        const saved = await call(api.POST("/products", { body: parsed.body }));
        navigate(`/admin/products/${encodeURIComponent(saved.id)}`, { replace: true, state: { created: true } });
      }
    } catch (e) {
      showApiError(e);
    } finally {
      setBusy(false);
    }
  }

  async function onDelete() {
    if (!product || busy) return;
    setBusy(true);
    setNotice(null);
    try {
      await call(api.DELETE("/products/{product_id}", { params: { path: { product_id: product.id } } }));
      navigate("/admin", { replace: true });
    } catch (e) {
      showApiError(e);
      setBusy(false);
    }
  }

  if (loading) return <Loading />;
  if (loadError) return <ErrorMessage error={loadError} onRetry={() => id && void load(id)} />;
  const editing = !!product;

  return (
    <Page title={editing ? `Edit ${product.name}` : "New product"}>
      {editing ? (
        <p className="muted">
          Version {product.version} · <Link to={`/products/${encodeURIComponent(product.id)}`}>View in the shop</Link>
        </p>
      ) : null}
      <form className="product-form" noValidate onSubmit={(e) => void onSubmit(e)}>
        {FIELDS.map((f) => {
          const error = errors[f.name];
          const describedBy = [f.hint ? `${f.name}-hint` : "", error ? `${f.name}-error` : ""].filter(Boolean).join(" ");
          const common = {
            id: `product-${f.name}`,
            name: f.name,
            value: values[f.name],
            "aria-invalid": error ? true : undefined,
            "aria-describedby": describedBy || undefined,
          };
          return (
            <div className="field" key={f.name}>
              <label htmlFor={`product-${f.name}`}>{f.label}</label>
              {f.multiline ? (
                <textarea {...common} rows={4} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
              ) : (
                <input
                  {...common}
                  type="text"
                  inputMode={f.inputMode}
                  autoComplete="off"
                  onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                />
              )}
              {f.hint ? (
                <span id={`${f.name}-hint`} className="hint">
                  {f.hint}
                </span>
              ) : null}
              {error ? (
                <span id={`${f.name}-error`} className="field-error">
                  {error}
                </span>
              ) : null}
            </div>
          );
        })}
        <div role="status" className={notice?.kind === "error" ? "alert alert-error" : "status-message"}>
          {notice ? <p>{notice.text}</p> : null}
          {notice?.stale && product ? (
            <button
              type="button"
              onClick={() => {
                setNotice(null);
                void load(product.id);
              }}
            >
              Reload
            </button>
          ) : null}
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          {editing ? (
            <button type="button" className="danger" disabled={busy} onClick={() => void onDelete()}>
              Delete
            </button>
          ) : null}
        </div>
      </form>
    </Page>
  );
}
