import express, { Router, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Logger } from '@mesh-kit/runtime';
import { normalizeEmail, type AccountStore } from '../account-store.js';
import type { CsrfTokens } from '../csrf.js';
import { messagePage, PAGE_CSP, signInPage, signUpPage } from '../pages.js';
import type { SignInLimiter } from '../sign-in-limiter.js';

export interface InteractionRoutesDeps {
  readonly provider: Provider;
  readonly accounts: AccountStore;
  readonly limiter: SignInLimiter;
  readonly csrf: CsrfTokens;
  /** The client that may skip the consent page (the shop's own browser client). */
  readonly firstPartyClientId: string;
  /** Where the provider is mounted (`/auth`): the forms post below it. */
  readonly base: string;
  readonly logger: Logger;
}

/** The one answer to a failed sign-in, whether the email has an account or not. */
export const WRONG_CREDENTIALS = 'Email or password is wrong.';

const signUpForm = z.object({
  email: z.email().max(254),
  password: z.string().min(10, 'at least 10 characters').max(128, 'at most 128 characters'),
});

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

function send(res: Response, status: number, body: string): void {
  res.status(status).type('html').set('content-security-policy', PAGE_CSP).set('cache-control', 'no-store').send(body);
}

const minutes = (seconds: number): string => {
  const n = Math.ceil(seconds / 60);
  return n === 1 ? '1 minute' : `${n} minutes`;
};

/**
 * The provider's interactions, server-rendered: the sign-in form, the sign-up form, and consent,
 * which the shop's own client is given without asking (it is first-party: the scopes it asks for
 * are granted as asked). Each POST must carry the interaction's CSRF token, and the interaction
 * must belong to this browser (oidc-provider's signed interaction cookie).
 */
export function interactionRoutes(deps: InteractionRoutesDeps): Router {
  const router = Router();
  const forms = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 10 });
  const { provider, base } = deps;

  /** This browser's interaction `uid`, or an answer saying why not (expired, or another browser's). */
  async function interactionOf(req: Request, res: Response): Promise<Interaction | undefined> {
    let details: Interaction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      deps.logger.debug({ err: error }, 'interaction not found');
      send(
        res,
        400,
        messagePage('Sign-in expired', 'This sign-in has expired. Go back to the shop and sign in again.'),
      );
      return undefined;
    }
    if (details.uid !== req.params.uid) {
      send(
        res,
        400,
        messagePage('Sign-in expired', 'This sign-in has expired. Go back to the shop and sign in again.'),
      );
      return undefined;
    }
    return details;
  }

  function refuseForgery(req: Request, res: Response): boolean {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (deps.csrf.verify(String(req.params.uid), body.csrf)) return false;
    send(res, 403, messagePage('Form expired', 'This form is not valid any more. Go back and try again.'));
    return true;
  }

  async function grantConsent(req: Request, res: Response, details: Interaction): Promise<void> {
    const clientId = String(details.params.client_id);
    const accountId = details.session?.accountId;
    if (clientId !== deps.firstPartyClientId || accountId === undefined) {
      send(res, 403, messagePage('Not allowed', 'This application may not use your account.'));
      return;
    }
    const grant =
      (details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)) ??
      new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  router.get('/interaction/:uid', async (req, res) => {
    const details = await interactionOf(req, res);
    if (details === undefined) return;
    if (details.prompt.name === 'consent') {
      await grantConsent(req, res, details);
      return;
    }
    send(res, 200, signInPage({ uid: details.uid, csrf: deps.csrf.issue(details.uid) }, base));
  });

  router.get('/interaction/:uid/sign-up', async (req, res) => {
    const details = await interactionOf(req, res);
    if (details === undefined) return;
    send(res, 200, signUpPage({ uid: details.uid, csrf: deps.csrf.issue(details.uid) }, base));
  });

  router.post('/interaction/:uid/sign-in', forms, async (req, res) => {
    if (refuseForgery(req, res)) return;
    const details = await interactionOf(req, res);
    if (details === undefined) return;
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const form = { uid: details.uid, csrf: deps.csrf.issue(details.uid), email };
    if (email === '' || password === '') {
      send(res, 400, signInPage({ ...form, error: 'Enter your email and password.' }, base));
      return;
    }
    const account = normalizeEmail(email);
    const address = req.ip ?? 'unknown';
    const verdict = await deps.limiter.check(account, address);
    if (verdict.kind === 'blocked') {
      res.set('retry-after', String(verdict.waitSeconds));
      const error = `Too many attempts. Try again in ${minutes(verdict.waitSeconds)}.`;
      send(res, 429, signInPage({ ...form, error }, base));
      return;
    }
    const signedIn = await deps.accounts.signIn(email, password.slice(0, 1024));
    if (signedIn === undefined) {
      await deps.limiter.recordFailure(account, address);
      send(res, 400, signInPage({ ...form, error: WRONG_CREDENTIALS }, base));
      return;
    }
    await deps.limiter.recordSuccess(account);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: signedIn.id } },
      { mergeWithLastSubmission: false },
    );
  });

  router.post('/interaction/:uid/sign-up', forms, async (req, res) => {
    if (refuseForgery(req, res)) return;
    const details = await interactionOf(req, res);
    if (details === undefined) return;
    const body = req.body as Record<string, unknown>;
    const form = { uid: details.uid, csrf: deps.csrf.issue(details.uid), email: String(body.email ?? '') };
    const address = req.ip ?? 'unknown';
    const verdict = await deps.limiter.check(undefined, address);
    if (verdict.kind === 'blocked') {
      res.set('retry-after', String(verdict.waitSeconds));
      const error = `Too many attempts. Try again in ${minutes(verdict.waitSeconds)}.`;
      send(res, 429, signUpPage({ ...form, error }, base));
      return;
    }
    const parsed = signUpForm.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0]);
      const error = field === 'email' ? 'Enter a valid email address.' : `The password needs ${issue.message}.`;
      send(res, 400, signUpPage({ ...form, error }, base));
      return;
    }
    const result = await deps.accounts.signUp(parsed.data.email, parsed.data.password);
    if (result.kind === 'taken') {
      // Sign-up cannot hide that an address has an account; the address limit bounds how fast anyone can ask.
      await deps.limiter.recordFailure(undefined, address);
      send(res, 409, signUpPage({ ...form, error: 'This email already has an account: sign in instead.' }, base));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: result.account.id } },
      { mergeWithLastSubmission: false },
    );
  });

  return router;
}
