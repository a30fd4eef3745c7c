import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { ConsoleAuth } from "../config";
import { BASE } from "../router";

/**
 * Sign-in at the client's OIDC issuer or Cognito pool: authorization code with PKCE, by
 * oidc-client-ts (discovery, the code verifier, the state check and the token exchange are its own).
 * The tokens live in sessionStorage, so a closed tab signs out; an expired token sends the operator
 * through the issuer again and back to the page they were on.
 */
let manager: UserManager | undefined;
let callback: Promise<string> | undefined;
let leaving: Promise<string> | undefined;

export async function oidcToken(auth: Extract<ConsoleAuth, { kind: "oidc" }>): Promise<string> {
  manager ??= new UserManager({
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: `${window.location.origin}${BASE}/`,
    post_logout_redirect_uri: `${window.location.origin}${BASE}/`,
    response_type: "code",
    scope: auth.scopes.join(" "),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
  });
  const here = new URL(window.location.href);
  if (here.searchParams.has("code") && here.searchParams.has("state")) {
    // several requests start at once on the way back: one exchange answers them all
    callback ??= manager.signinRedirectCallback().then((user) => {
      window.history.replaceState(null, "", typeof user.state === "string" ? user.state : `${BASE}/`);
      window.dispatchEvent(new PopStateEvent("popstate"));
      return user.access_token;
    });
    return callback;
  }
  const user = await manager.getUser();
  if (user && !user.expired) return user.access_token;
  // the page's first requests all arrive here at once: one redirect (one state, one verifier) for them all
  leaving ??= manager.signinRedirect({ state: `${window.location.pathname}${window.location.search}` }).then(() => new Promise<string>(() => {}));
  return leaving;
}
