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
}

export class ConfigError extends Error {}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`config.json: "${name}" must be a non-empty string`);
  }
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
