import { Link } from "react-router";
import { useSession } from "../app/auth";
import { Loading, Page } from "../components/common";

/** Where the identity provider sends the browser back; the provider component finishes the sign-in. */
export function CallbackPage() {
  const session = useSession();
  if (session.error) {
    return (
      <Page title="Sign-in failed">
        <p role="alert">{session.error}</p>
        <p>
          <Link to="/">Back to the shop</Link>
        </p>
      </Page>
    );
  }
  return <Loading label="Signing you in…" />;
}

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is nothing at this address. <Link to="/">Back to the shop</Link>
      </p>
    </Page>
  );
}
