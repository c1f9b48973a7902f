import { NavLink, Route, Routes } from "react-router";
import { useSession } from "../app/auth";
import { Loading, NeedsSignIn, Page } from "../components/common";
import { NotFoundPage } from "../pages/misc";
import { AdminOrders } from "./AdminOrders";
import { AdminProducts } from "./AdminProducts";
import { ProductForm } from "./ProductForm";

/** The admin console, for the `admin` group only (the API refuses everyone else anyway). */
export default function AdminRoutes() {
  const session = useSession();
  if (session.loading) return <Loading />;
  if (!session.signedIn) {
    return (
      <Page title="Administration">
        <NeedsSignIn what="administer the shop" />
      </Page>
    );
  }
  if (!session.isAdmin) {
    return (
      <Page title="Not allowed">
        <p role="alert">This part of the shop is for administrators only.</p>
      </Page>
    );
  }
  return (
    <div className="admin">
      <nav aria-label="Administration" className="admin-nav">
        <NavLink to="/admin" end>
          Products
        </NavLink>
        <NavLink to="/admin/products/new">New product</NavLink>
        <NavLink to="/admin/orders">Fulfilment</NavLink>
      </nav>
      <Routes>
        <Route index element={<AdminProducts />} />
        <Route path="products/new" element={<ProductForm key="new" />} />
        <Route path="products/:id" element={<ProductForm />} />
        <Route path="orders" element={<AdminOrders />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </div>
  );
}
