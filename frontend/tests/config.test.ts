import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../src/lib/config";

const good = {
  apiUrl: "http://127.0.0.1:3000/",
  oidc: { authority: "http://127.0.0.1:3001", clientId: "client", scope: "openid profile email" },
};

describe("config.json", () => {
  it("given a valid document, when parsed, then the API URL loses its trailing slash", () => {
    expect(parseConfig(good)).toEqual({ ...good, apiUrl: "http://127.0.0.1:3000" });
  });

  it("given Cognito's logout URL and no scope, when parsed, then keeps the URL and the default scope", () => {
    const config = parseConfig({ ...good, oidc: { authority: "a", clientId: "c", logoutUrl: "https://d/logout" } });
    expect(config.oidc).toEqual({ authority: "a", clientId: "c", scope: "openid profile email", logoutUrl: "https://d/logout" });
  });

  it("given missing or wrong fields, when parsed, then the error names the field", () => {
    expect(() => parseConfig(null)).toThrow(ConfigError);
    expect(() => parseConfig({ ...good, apiUrl: "" })).toThrow(/apiUrl/);
    expect(() => parseConfig({ apiUrl: "x" })).toThrow(/oidc/);
    expect(() => parseConfig({ ...good, oidc: { authority: "a" } })).toThrow(/oidc.clientId/);
    expect(() => parseConfig({ ...good, oidc: { ...good.oidc, logoutUrl: 5 } })).toThrow(/logoutUrl/);
  });

  it("given the server answers 404 or not JSON, when loaded, then a ConfigError says so", async () => {
    await expect(loadConfig(async () => new Response("nope", { status: 404 }))).rejects.toThrow(/HTTP 404/);
    await expect(loadConfig(async () => new Response("<html>", { status: 200 }))).rejects.toThrow(/not valid JSON/);
    await expect(loadConfig(async () => Response.json(good))).resolves.toMatchObject({ apiUrl: "http://127.0.0.1:3000" });
  });
});
