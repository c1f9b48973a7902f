import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { call, type Cart } from "../api/client";
import { clampQuantity, itemCount, quantityAfterAdd } from "../lib/cart";
import { useSession } from "./auth";
import { useApi } from "./context";

export interface CartState {
  cart: Cart | null;
  count: number;
  loading: boolean;
  error: unknown;
  refresh: () => Promise<void>;
  /** Sets a line's quantity (clamped to 1–99); resolves to the cart the API answers. */
  setQuantity: (productId: string, quantity: number) => Promise<Cart>;
  remove: (productId: string) => Promise<Cart>;
  /** One more of a product (never beyond 99 or its stock). */
  add: (productId: string, stock?: number) => Promise<Cart>;
}

const CartContext = createContext<CartState | null>(null);

export function useCart(): CartState {
  const cart = useContext(CartContext);
  if (!cart) throw new Error("useCart outside CartProvider");
  return cart;
}

/** The signed-in user's cart, shared by the header badge and the cart and checkout pages. */
export function CartProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { signedIn } = useSession();
  const [cart, setCart] = useState<Cart | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const refresh = useCallback(async () => {
    if (!signedIn) {
      setCart(null);
      return;
    }
    setLoading(true);
    try {
      setCart(await call(api.GET("/cart")));
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [api, signedIn]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const setQuantity = useCallback(
    async (productId: string, quantity: number) => {
      const next = await call(
        api.PUT("/cart/items/{product_id}", {
          params: { path: { product_id: productId } },
          body: { quantity: clampQuantity(quantity) },
        }),
      );
      setCart(next);
      return next;
    },
    [api],
  );

  const remove = useCallback(
    async (productId: string) => {
      const next = await call(api.DELETE("/cart/items/{product_id}", { params: { path: { product_id: productId } } }));
      setCart(next);
      return next;
    },
    [api],
  );

  const add = useCallback(
    async (productId: string, stock?: number) => {
      // Read the cart first, so an add from another tab is not overwritten by a stale count.
      const current = await call(api.GET("/cart"));
      return setQuantity(productId, quantityAfterAdd(current.items, productId, stock));
    },
    [api, setQuantity],
  );

  const value = useMemo<CartState>(
    () => ({ cart, count: cart ? itemCount(cart.items) : 0, loading, error, refresh, setQuantity, remove, add }),
    [cart, loading, error, refresh, setQuantity, remove, add],
  );
  return <CartContext.Provider value={value}>{children}</CartContext.Provider>;
}
