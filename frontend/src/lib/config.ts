/** Settings read at start from /config.json, served beside the app: one build serves every environment. */
export interface OidcConfig {
  authority: string;
  clientId: string;
  scope: string;
  /** Cognito's hosted sign-out URL (its discovery document has no end_session_endpoint). */
  logoutUrl?: string;
}

export interface AppConfig {
  apiUrl: string;
  oidc: OidcConfig;
  /**
   * The WebSocket API that pushes order status (`ws://` or `wss://`, with the stage's path in AWS). Optional:
   * without it the order pages show what the API answered and update on reload only.
   */
  wsUrl?: string;
}

export class ConfigError extends Error {}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`config.json: "${name}" must be a non-empty string`);
  }
  return value;
}

/** A ws:// or wss:// URL without query or fragment (the token is added as the query at connect time). */
function webSocketUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('config.json: "wsUrl" must be a URL');
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new ConfigError('config.json: "wsUrl" must start with ws:// or wss://');
  }
  if (url.search || url.hash) throw new ConfigError('config.json: "wsUrl" must have no query or fragment');
  return value;
}

/** Validates the parsed config.json; throws ConfigError naming the first bad field. */
export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("config.json must hold a JSON object");
  const data = raw as Record<string, unknown>;
  const oidc = data.oidc;
  if (typeof oidc !== "object" || oidc === null) throw new ConfigError('config.json: "oidc" must be an object');
  const o = oidc as Record<string, unknown>;
  const config: AppConfig = {
    apiUrl: nonEmptyString(data.apiUrl, "apiUrl").replace(/\/+$/, ""),
    oidc: {
      authority: nonEmptyString(o.authority, "oidc.authority"),
      clientId: nonEmptyString(o.clientId, "oidc.clientId"),
      scope: typeof o.scope === "string" && o.scope.trim() !== "" ? o.scope : "openid profile email",
    },
  };
  if (o.logoutUrl !== undefined && o.logoutUrl !== null) {
    config.oidc.logoutUrl = nonEmptyString(o.logoutUrl, "oidc.logoutUrl");
  }
  if (data.wsUrl !== undefined && data.wsUrl !== null) {
    config.wsUrl = webSocketUrl(nonEmptyString(data.wsUrl, "wsUrl"));
  }
  return config;
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  const response = await fetchImpl("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new ConfigError(`config.json could not be loaded (HTTP ${response.status})`);
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError("config.json is not valid JSON");
  }
  return parseConfig(raw);
}
