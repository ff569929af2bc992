import { UserManager, type User } from 'oidc-client-ts';
import type { Site } from './site.js';

/** Where the app returns after signing in: the page the person was on. */
interface SignInState {
  readonly returnTo: string;
}

/**
 * Sign-in with the shop's OpenID provider: authorization code + PKCE (oidc-client-ts), tokens in
 * sessionStorage, refreshed with the refresh token when they expire. No iframe, no session monitor.
 */
export class Auth {
  readonly manager: UserManager;
  /** The refresh under way: a page's calls share it (the provider rotates refresh tokens, and revokes the grant when one is used twice). */
  private refreshing: Promise<User | null> | undefined;

  constructor(site: Site) {
    const origin = window.location.origin;
    this.manager = new UserManager({
      authority: site.issuer,
      client_id: site.clientId,
      redirect_uri: `${origin}/callback`,
      post_logout_redirect_uri: `${origin}/`,
      scope: site.scope,
      response_type: 'code',
      automaticSilentRenew: false,
      monitorSession: false,
      loadUserInfo: false,
    });
  }

  async user(): Promise<User | null> {
    const user = await this.manager.getUser();
    return user !== null && !user.expired ? user : ((await this.refresh()) ?? null);
  }

  /** A fresh access token, refreshing an expired one; undefined when the person must sign in. */
  async accessToken(): Promise<string | undefined> {
    return (await this.user())?.access_token;
  }

  /** Trades the refresh token for new tokens; null (and signed out here) when the provider refuses. */
  refresh(): Promise<User | null> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<User | null> {
    const user = await this.manager.getUser();
    if (user?.refresh_token === undefined) {
      if (user !== null) await this.manager.removeUser();
      return null;
    }
    try {
      return await this.manager.signinSilent();
    } catch {
      await this.manager.removeUser();
      return null;
    }
  }

  signIn(returnTo: string): Promise<void> {
    const state: SignInState = { returnTo };
    return this.manager.signinRedirect({ state });
  }

  /** Completes the redirect back from the provider; answers where to go next. */
  async completeSignIn(): Promise<{ user: User; returnTo: string }> {
    const user = await this.manager.signinRedirectCallback();
    const returnTo = (user.state as SignInState | undefined)?.returnTo;
    return { user, returnTo: returnTo?.startsWith('/') === true && !returnTo.startsWith('//') ? returnTo : '/' };
  }

  async signOut(): Promise<void> {
    const user = await this.manager.getUser();
    await this.manager.removeUser();
    await this.manager.signoutRedirect(user?.id_token === undefined ? {} : { id_token_hint: user.id_token });
  }
}
