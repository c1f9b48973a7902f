import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { AppRoutes } from "./App";
import { SessionProvider } from "./app/auth";
import { CartProvider } from "./app/cart";
import { ApiProvider, ConfigProvider } from "./app/context";
import { loadConfig, type AppConfig } from "./lib/config";
import "./styles.css";

function registerServiceWorker() {
  // The offline shell: a service worker precaches the built app (see vite.config.ts).
  if (import.meta.env.PROD && "serviceWorker" in navigator) {
    window.addEventListener("load", () => {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
    });
  }
}

/** Before config.json is read the app cannot reach the API or sign in: say why instead of a blank page. */
function StartupProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const offline = !navigator.onLine;
  return (
    <main id="main" className="startup">
      <h1>Shop</h1>
      <div role="alert" className={offline ? "offline-banner" : "alert alert-error"}>
        {offline ? (
          <p>
            <strong>You are offline.</strong> Connect to the internet to shop.
          </p>
        ) : (
          <p>The shop could not start: {error instanceof Error ? error.message : String(error)}</p>
        )}
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}

function Boot() {
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    loadConfig().then(
      (c) => live && setConfig(c),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(() => {
    if (!error) return;
    const again = () => {
      setError(null);
      setAttempt((n) => n + 1);
    };
    window.addEventListener("online", again);
    return () => window.removeEventListener("online", again);
  }, [error]);

  if (error) {
    return (
      <StartupProblem
        error={error}
        onRetry={() => {
          setError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  }
  if (!config) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  return (
    <ConfigProvider config={config}>
      <BrowserRouter>
        <SessionProvider config={config}>
          <ApiProvider>
            <CartProvider>
              <AppRoutes />
            </CartProvider>
          </ApiProvider>
        </SessionProvider>
      </BrowserRouter>
    </ConfigProvider>
  );
}

registerServiceWorker();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Boot />
    </StrictMode>,
  );
}
