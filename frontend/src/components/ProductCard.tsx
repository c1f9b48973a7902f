import { Link } from "react-router";
import type { Product, SearchHit } from "../api/client";
import { Highlight } from "../lib/highlight";
import { Money } from "./common";

function stockLabel(stock: number): string {
  if (stock <= 0) return "Out of stock";
  if (stock <= 5) return `Only ${stock} left`;
  return "In stock";
}

export function ProductCard({ product }: { product: Product | SearchHit }) {
  const highlight = "highlight" in product ? product.highlight : undefined;
  const description = highlight?.description?.[0];
  return (
    <li className="card">
      <h3 className="card-title">
        <Link to={`/products/${encodeURIComponent(product.id)}`}>
          <Highlight fragment={highlight?.name?.[0]} text={product.name} />
        </Link>
      </h3>
      <p className="card-meta">
        {product.brand ? (
          <span className="card-brand">
            <Highlight fragment={highlight?.brand?.[0]} text={product.brand} />
          </span>
        ) : null}
        <span className="card-category">{product.category}</span>
      </p>
      {description ? (
        <p className="card-snippet">
          <Highlight fragment={description} text="" />
        </p>
      ) : null}
      <p className="card-price">
        <Money cents={product.price_cents} currency={product.currency} />
        <span className={product.stock > 0 ? "card-stock" : "card-stock stock-out"}>{stockLabel(product.stock)}</span>
      </p>
    </li>
  );
}

export function ProductGrid({ products, label }: { products: (Product | SearchHit)[]; label: string }) {
  return (
    <ul className="grid" aria-label={label}>
      {products.map((p) => (
        <ProductCard key={p.id} product={p} />
      ))}
    </ul>
  );
}
