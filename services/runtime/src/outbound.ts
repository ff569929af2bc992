import { outgoingTraceHeaders } from './trace-context.js';

/** The answer of another service: status and parsed JSON body (undefined when empty or not JSON). */
export interface ServiceResponse<T = unknown> {
  readonly status: number;
  readonly body: T | undefined;
}

/** Thrown when a dependency could not be reached at all (refused, reset, DNS). */
export class DependencyUnreachable extends Error {
  readonly service: string;
  constructor(service: string, cause: unknown) {
    super(`${service} could not be reached`, { cause });
    this.name = 'DependencyUnreachable';
    this.service = service;
  }
}

/**
 * The one way services call each other. It forwards the active trace context and request id and
 * nothing else: no retries, no timeouts, no circuit breaking. The Istio sidecar does those.
 */
export class ServiceClient {
  readonly service: string;
  private readonly baseUrl: string;

  constructor(service: string, baseUrl: string) {
    this.service = service;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string, headers: Record<string, string> = {}): Promise<ServiceResponse<T>> {
    return this.send<T>('GET', path, undefined, headers);
  }

  post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ServiceResponse<T>> {
    return this.send<T>('POST', path, body, headers);
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<ServiceResponse<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
          ...outgoingTraceHeaders(),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new DependencyUnreachable(this.service, error);
    }
    const text = await response.text();
    let parsed: T | undefined;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as T);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }
}
