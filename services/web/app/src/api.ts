import type { Auth } from './auth.js';
import { recordTrace, traceIdOf } from './traces.js';

/** What went wrong, in the terms the page explains it in. */
export type Problem =
  | { readonly kind: 'signIn' }
  | { readonly kind: 'notFound'; readonly detail: string }
  | { readonly kind: 'refused'; readonly status: number; readonly detail: string; readonly skus: readonly string[] }
  | { readonly kind: 'slowDown'; readonly waitSeconds: number | undefined }
  | { readonly kind: 'unavailable'; readonly status: number }
  | { readonly kind: 'network' };

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.kind);
  }
}

interface ProblemBody {
  readonly detail?: string;
  readonly title?: string;
  readonly skus?: readonly string[];
}

export interface CallOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sends the person's access token (refreshed when it expired); without one the answer is `signIn`. */
  readonly signedIn?: boolean;
  /** Names the action beside its trace link. @default the method and path */
  readonly label?: string;
  /** Background calls (the release badge) leave the last action's trace link alone. @default false */
  readonly quiet?: boolean;
}

function problemOf(status: number, body: ProblemBody, waitHeader: string | null): Problem {
  const detail = body.detail ?? body.title ?? `The shop answered ${status}.`;
  if (status === 401) return { kind: 'signIn' };
  if (status === 404) return { kind: 'notFound', detail };
  if (status === 429) {
    const seconds = Number(waitHeader);
    return { kind: 'slowDown', waitSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : undefined };
  }
  if (status >= 500) return { kind: 'unavailable', status };
  return { kind: 'refused', status, detail, skus: Array.isArray(body.skus) ? body.skus : [] };
}

/** The shop's API at /api, through the gateway: JSON in and out, problem+json turned into a Problem. */
export class Api {
  constructor(private readonly auth: Auth) {}

  async call<T>(path: string, options: CallOptions = {}): Promise<T> {
    const send = async (token: string | undefined): Promise<Response> => {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      try {
        return await fetch(`/api${path}`, {
          method: options.method ?? 'GET',
          headers,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        });
      } catch {
        throw new ApiError({ kind: 'network' });
      }
    };
    let token: string | undefined;
    if (options.signedIn === true) {
      token = await this.auth.accessToken();
      if (token === undefined) throw new ApiError({ kind: 'signIn' });
    }
    let res = await send(token);
    // An access token can expire between the check and the gateway: refresh once, then ask again.
    if (res.status === 401 && token !== undefined) {
      const refreshed = await this.auth.refresh();
      if (refreshed === null) throw new ApiError({ kind: 'signIn' });
      res = await send(refreshed.access_token);
    }
    const traceId = traceIdOf(res.headers.get('traceresponse'));
    if (traceId !== undefined && options.quiet !== true)
      recordTrace({ label: options.label ?? `${options.method ?? 'GET'} /api${path}`, traceId });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      throw new ApiError(problemOf(res.status, (body ?? {}) as ProblemBody, res.headers.get('retry-after')));
    }
    return body as T;
  }
}
