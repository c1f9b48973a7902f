import { createContext, useContext, useMemo, type ReactNode } from "react";
import { createApi, type Api } from "../api/client";
import type { AppConfig } from "../lib/config";
import { useSession } from "./auth";

const ConfigContext = createContext<AppConfig | null>(null);
const ApiContext = createContext<Api | null>(null);

export function useConfig(): AppConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("useConfig outside ConfigProvider");
  return config;
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside ApiProvider");
  return api;
}

export function ConfigProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  return <ConfigContext.Provider value={config}>{children}</ConfigContext.Provider>;
}

/** One API client for the app's life; it reads the session's current ID token on every request. */
export function ApiProvider({ children, api }: { children: ReactNode; api?: Api }) {
  const config = useConfig();
  const session = useSession();
  const { idToken, expire } = session;
  const client = useMemo(
    () => api ?? createApi(config.apiUrl, idToken, undefined, expire),
    [api, config.apiUrl, idToken, expire],
  );
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}
