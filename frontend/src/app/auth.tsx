import { createContext, useCallback, useContext, useMemo, useRef, type ReactNode } from "react";
import { AuthProvider, useAuth } from "react-oidc-context";
import { UserManager, WebStorageStateStore, type User } from "oidc-client-ts";
import { useNavigate } from "react-router";
import type { AppConfig } from "../lib/config";

export const ADMIN_GROUP = "admin";

/**
 * Authorization code + PKCE through oidc-client-ts. Tokens and the sign-in's transient state live in
 * sessionStorage (gone with the tab, never in localStorage); signing out removes them.
 */
export function createUserManager(config: AppConfig, origin: string, storage: Storage = window.sessionStorage) {
  return new UserManager({
    authority: config.oidc.authority,
    client_id: config.oidc.clientId,
    scope: config.oidc.scope,
    response_type: "code",
    redirect_uri: `${origin}/auth/callback`,
    post_logout_redirect_uri: `${origin}/`,
    userStore: new WebStorageStateStore({ store: storage }),
    stateStore: new WebStorageStateStore({ store: storage }),
    // No silent renew: it needs a refresh token or a hidden iframe; an expired session signs in again.
    automaticSilentRenew: false,
    loadUserInfo: false,
  });
}

/** The groups in the ID token's `cognito:groups` claim (a list, or one string). */
export function groupsOf(user: Pick<User, "profile"> | null | undefined): string[] {
  const claim = user?.profile?.["cognito:groups"];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  if (typeof claim === "string") return [claim];
  return [];
}

/** Cognito's hosted sign-out: `<logoutUrl>?client_id=…&logout_uri=…`. */
export function cognitoLogoutUrl(logoutUrl: string, clientId: string, origin: string): string {
  const url = new URL(logoutUrl);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("logout_uri", `${origin}/`);
  return url.toString();
}

export interface Session {
  loading: boolean;
  signedIn: boolean;
  name: string;
  groups: string[];
  isAdmin: boolean;
  error: string | null;
  /** The ID token, sent to the API as the bearer token. */
  idToken: () => string | undefined;
  signIn: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** Forgets the tokens without a round trip to the provider (the API refused them). */
  expire: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

interface SigninState {
  returnTo?: string;
}

function SessionBridge({ config, children }: { config: AppConfig; children: ReactNode }) {
  const auth = useAuth();
  const userRef = useRef<User | null | undefined>(auth.user);
  userRef.current = auth.user;
  const user = auth.user && !auth.user.expired ? auth.user : null;

  const idToken = useCallback(() => {
    const current = userRef.current;
    return current && !current.expired ? current.id_token : undefined;
  }, []);

  const signIn = useCallback(
    async (returnTo?: string) => {
      const state: SigninState = {
        returnTo: returnTo ?? `${window.location.pathname}${window.location.search}`,
      };
      await auth.signinRedirect({ state });
    },
    [auth],
  );

  const signOut = useCallback(async () => {
    const hint = userRef.current?.id_token;
    await auth.removeUser();
    if (config.oidc.logoutUrl) {
      window.location.assign(cognitoLogoutUrl(config.oidc.logoutUrl, config.oidc.clientId, window.location.origin));
      return;
    }
    try {
      await auth.signoutRedirect({ id_token_hint: hint });
    } catch {
      // The provider has no end_session_endpoint: the local tokens are already gone.
      window.location.assign("/");
    }
  }, [auth, config]);

  const expire = useCallback(() => {
    void auth.removeUser();
  }, [auth]);

  const groups = useMemo(() => groupsOf(user), [user]);
  const profile = user?.profile;
  const name =
    (typeof profile?.name === "string" && profile.name) ||
    (typeof profile?.preferred_username === "string" && profile.preferred_username) ||
    (typeof profile?.["cognito:username"] === "string" && (profile["cognito:username"] as string)) ||
    (typeof profile?.email === "string" && profile.email) ||
    (profile?.sub ?? "");

  const session: Session = {
    loading: auth.isLoading,
    signedIn: !!user,
    name,
    groups,
    isAdmin: groups.includes(ADMIN_GROUP),
    error: auth.error ? auth.error.message : null,
    idToken,
    signIn,
    signOut,
    expire,
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function SessionProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const navigate = useNavigate();
  const userManager = useMemo(() => createUserManager(config, window.location.origin), [config]);
  const onSigninCallback = useCallback(
    (user: User | undefined) => {
      const state = (user?.state ?? {}) as SigninState;
      const target = state.returnTo && state.returnTo.startsWith("/") && !state.returnTo.startsWith("//")
        ? state.returnTo
        : "/";
      navigate(target === "/auth/callback" ? "/" : target, { replace: true });
    },
    [navigate],
  );
  return (
    <AuthProvider userManager={userManager} onSigninCallback={onSigninCallback}>
      <SessionBridge config={config}>{children}</SessionBridge>
    </AuthProvider>
  );
}

/** A session for tests and for pages rendered without a provider. */
export function StaticSessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
