import { API_KEY_PATTERN } from './api-key.js';
import type { CheckSettings } from './config.js';
import type { ApiClient } from './key-store.js';

/** What the check answers: 200 with the headers the gateway copies upstream, or a problem. */
export type Decision =
  | { readonly status: 200; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly status: 400 | 401 | 403;
      readonly detail: string;
      readonly field?: string;
      readonly challenge?: boolean;
    };

export interface CheckRequest {
  readonly method: string;
  /** The original request's path, without the provider's prefix and without the query string. */
  readonly path: string;
  /** Header names in lower case. */
  readonly header: (name: string) => string | undefined;
}

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const templateRegex = (template: string): RegExp =>
  new RegExp(
    `^${template
      .split('/')
      .map((s) => (PARAM.test(s) ? '[^/]+' : escape(s)))
      .join('/')}$`,
  );

/**
 * Decides a check. Order matters: a user token is refused before the key is looked at (API-key
 * routes are for machine clients), and nothing about a key is revealed beyond "not accepted":
 * unknown and revoked keys get the same answer.
 */
export function decide(
  settings: CheckSettings,
  request: CheckRequest,
  lookup: (key: string) => Promise<ApiClient | undefined>,
): Promise<Decision> | Decision {
  const route = settings.routes.find((r) => r.method === request.method && templateRegex(r.path).test(request.path));
  if (route === undefined) {
    return { status: 403, detail: `${request.method} ${request.path} is not an API-key route.` };
  }
  if ((request.header(settings.userHeader) ?? '') !== '') {
    return {
      status: 403,
      detail: `${request.method} ${request.path} is for machine clients: send ${settings.keyHeader}, not a user token.`,
    };
  }
  const key = request.header(settings.keyHeader);
  if (key === undefined || key === '') {
    return {
      status: 401,
      detail: `An API key is required: send ${settings.keyHeader}.`,
      field: settings.keyHeader,
      challenge: true,
    };
  }
  if (!API_KEY_PATTERN.test(key)) {
    return {
      status: 400,
      detail: `${settings.keyHeader} is not an API key of this shop (mk_ and 43 base64url characters).`,
      field: settings.keyHeader,
    };
  }
  return lookup(key).then((client): Decision => {
    if (client === undefined) {
      return {
        status: 401,
        detail: `The ${settings.keyHeader} is unknown or revoked.`,
        field: settings.keyHeader,
        challenge: true,
      };
    }
    const missing = route.scopes.filter((s) => !client.scopes.includes(s));
    if (missing.length > 0) {
      return { status: 403, detail: `The key of '${client.name}' lacks the scope ${missing.join(', ')}.` };
    }
    return {
      status: 200,
      headers: { [settings.clientHeader]: client.name, [settings.scopesHeader]: client.scopes.join(' ') },
    };
  });
}
