// Sign-in with the server's OpenID Connect provider (authorization code + PKCE), using oidc-client-ts.
//
// The vendored browser build of oidc-client-ts is a classic script that defines the global `oidc`
// (loaded by index.html before the modules). The signed-in user (tokens) lives in sessionStorage, so it
// ends with the browser tab.

const REAUTH_KEY = 'jhe.reauthAttempted';
const ERROR_KEY = 'jhe.authError';

let manager = null;
let clientId = null;
let reauthenticating = false;

/** Creates the UserManager from /ui/settings.json values. */
export function initAuth(settings) {
    const { UserManager, WebStorageStateStore } = window.oidc;
    clientId = settings.clientId;
    manager = new UserManager({
        authority: settings.authority,
        client_id: settings.clientId,
        redirect_uri: settings.redirectUri,
        post_logout_redirect_uri: settings.postLogoutRedirectUri,
        response_type: 'code',
        scope: 'openid',
        loadUserInfo: false,
        automaticSilentRenew: false,
        monitorSession: false,
        userStore: new WebStorageStateStore({ store: window.sessionStorage }),
        stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
}

/** The stored user when it still has a valid access token, else null. */
export async function currentUser() {
    const user = await manager.getUser();
    if (!user || user.expired) return null;
    return user;
}

/** The current access token (null when signed out or expired). */
export async function accessToken() {
    const user = await currentUser();
    return user ? user.access_token : null;
}

/** Sends the browser to the login page; after sign-in it comes back to `returnTo` (a path with query). */
export async function signIn(returnTo) {
    await manager.signinRedirect({ state: { returnTo: returnTo || null } });
}

/**
 * Completes the sign-in on /auth/callback. Resolves with the path to continue at (stored before sign-in).
 * An OAuth error in the callback URL is kept (see takeAuthError) and rethrown.
 */
export async function completeSignIn() {
    const params = new URLSearchParams(window.location.search);
    if (params.has('error')) {
        const message = params.get('error_description') || params.get('error');
        sessionStorage.setItem(ERROR_KEY, message);
        throw new Error(message);
    }
    const user = await manager.signinRedirectCallback();
    return (user.state && user.state.returnTo) || null;
}

/** Signs out here and at the server (end_session), then the server sends the browser to `/`. */
export async function signOut() {
    const user = await manager.getUser();
    await manager.removeUser();
    await manager.signoutRedirect({
        id_token_hint: user ? user.id_token : undefined,
        client_id: clientId,
    });
}

/** Forgets the local user without contacting the server. */
export async function forgetUser() {
    await manager.removeUser();
}

/**
 * Called on an API 401: the token was not accepted. Starts a new sign-in once; if that already happened
 * and the API still refuses, returns false so the caller shows the error instead of looping.
 */
export async function handleUnauthorized() {
    // Several requests may be refused at once: the first starts the redirect, the others wait for it.
    if (reauthenticating) return true;
    if (sessionStorage.getItem(REAUTH_KEY)) return false;
    sessionStorage.setItem(REAUTH_KEY, String(Date.now()));
    reauthenticating = true;
    await manager.removeUser();
    await signIn(window.location.pathname + window.location.search);
    return true;
}

/** Marks the session as working (the API accepted the token), re-arming the one-time 401 retry. */
export function sessionConfirmed() {
    sessionStorage.removeItem(REAUTH_KEY);
}

/** Returns and clears an OAuth error kept from a failed callback. */
export function takeAuthError() {
    const message = sessionStorage.getItem(ERROR_KEY);
    sessionStorage.removeItem(ERROR_KEY);
    return message;
}
