import { API_KEY_PATTERN } from '@mesh-kit/catalog/api-key';
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
 * The header a user token arrives in. The gateway's ext_authz check runs before jwt_authn (Istio
 * 1.30.3 pilot/pkg/networking/core/listener_builder.go), so no header derived from a token exists
 * yet when apikeys decides; Envoy forwards `authorization` to every HTTP authorization service
 * (envoy source/extensions/filters/common/ext_authz/check_request_utils.cc), so apikeys refuses the
 * credential itself. See docs/security.md, "API keys".
 */
export const CREDENTIAL_HEADER = 'authorization';

/**
 * Decides a check. Order matters: any `Authorization` credential is refused before the key is looked
 * at (API-key routes are for machine clients, and a user token there is a mistake or a probe), and
 * nothing about a key is revealed beyond "not accepted": unknown and revoked keys get the same answer.
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
  if (request.header(CREDENTIAL_HEADER) !== undefined) {
    return {
      status: 403,
      detail: `${request.method} ${request.path} is for machine clients: send ${settings.keyHeader}, not an Authorization credential.`,
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
