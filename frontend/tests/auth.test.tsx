import { User } from "oidc-client-ts";
import { describe, expect, it } from "vitest";
import { cognitoLogoutUrl, createUserManager, groupsOf } from "../src/app/auth";
import { CONFIG } from "./harness";

describe("sign-in settings", () => {
  it("given the config, when the user manager is made, then it uses code + PKCE with the app's callback URLs", () => {
    const manager = createUserManager(CONFIG, "https://shop.example");
    expect(manager.settings.response_type).toBe("code");
    expect(manager.settings.redirect_uri).toBe("https://shop.example/auth/callback");
    expect(manager.settings.post_logout_redirect_uri).toBe("https://shop.example/");
    expect(manager.settings.client_id).toBe("client");
    expect(manager.settings.disablePKCE).toBe(false);
  });

  it("given a signed-in user, when stored and removed, then the tokens live in sessionStorage only and are gone after", async () => {
    const manager = createUserManager(CONFIG, "https://shop.example");
    const user = new User({
      id_token: "id.token.sig",
      access_token: "access",
      token_type: "Bearer",
      profile: { sub: "alice", iss: "http://issuer.test", aud: "client", exp: 9e9, iat: 1 },
    });
    await manager.storeUser(user);
    expect(Object.keys(sessionStorage).some((k) => sessionStorage.getItem(k)?.includes("id.token.sig"))).toBe(true);
    expect(localStorage.length).toBe(0);
    await manager.removeUser();
    expect(Object.values(sessionStorage).some((v) => String(v).includes("id.token.sig"))).toBe(false);
  });

  it("given cognito:groups in the ID token, when read, then gives the groups", () => {
    const withGroups = (claim: unknown) => ({ profile: { sub: "a", iss: "i", aud: "c", exp: 1, iat: 1, "cognito:groups": claim } });
    expect(groupsOf(withGroups(["admin", "staff"]))).toEqual(["admin", "staff"]);
    expect(groupsOf(withGroups("admin"))).toEqual(["admin"]);
    expect(groupsOf(withGroups(undefined))).toEqual([]);
    expect(groupsOf(null)).toEqual([]);
  });

  it("given Cognito's logout URL, when signing out, then it names the client and where to come back", () => {
    expect(cognitoLogoutUrl("https://auth.example/logout", "client", "https://shop.example")).toBe(
      "https://auth.example/logout?client_id=client&logout_uri=https%3A%2F%2Fshop.example%2F",
    );
  });
});
