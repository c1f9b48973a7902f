import { Link, NavLink, Outlet } from "react-router";
import { useSession } from "../app/auth";
import { useCart } from "../app/cart";
import { itemsLabel } from "../lib/cart";
import { useOnline } from "../lib/useAsync";
import { SearchBox } from "./SearchBox";

export function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <div className="offline-banner" role="status">
      <strong>You are offline.</strong> Pages you open need a connection; they will work again once you are back online.
    </div>
  );
}

function CartLink() {
  const { count } = useCart();
  const description = itemsLabel(count);
  return (
    <>
      {/* The link's name is exactly "Cart"; the count is its description, for screen readers. */}
      <NavLink to="/cart" className="nav-cart" aria-describedby="cart-count">
        Cart
        <span className="badge" aria-hidden="true" data-testid="cart-count">
          {count}
        </span>
      </NavLink>
      <span id="cart-count" className="visually-hidden">
        {description}
      </span>
    </>
  );
}

export function Header() {
  const session = useSession();
  return (
    <header className="site-header">
      <div className="header-row">
        <Link to="/" className="brand">
          Shop
        </Link>
        <nav aria-label="Main" className="main-nav">
          {session.signedIn ? <NavLink to="/orders">Orders</NavLink> : null}
          {session.isAdmin ? <NavLink to="/admin">Admin</NavLink> : null}
          <CartLink />
          {session.signedIn ? (
            <button type="button" className="link-button" onClick={() => void session.signOut()}>
              Sign out
            </button>
          ) : (
            <button
              type="button"
              className="link-button"
              disabled={session.loading}
              onClick={() => void session.signIn()}
            >
              Sign in
            </button>
          )}
        </nav>
      </div>
      <SearchBox />
      {session.signedIn && session.name ? (
        <p className="signed-in-as">
          Signed in as <strong>{session.name}</strong>
        </p>
      ) : null}
    </header>
  );
}

export function Layout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <OfflineBanner />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>Shop: a storefront on the Shop API.</p>
      </footer>
    </>
  );
}
