/** The parts of the Jaeger query API's trace JSON (`GET /api/traces`) that the checks read. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly processID: string;
  readonly references?: readonly { readonly refType: string; readonly spanID: string }[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

export interface JaegerResponse<T> {
  readonly data: T | null;
  readonly errors?: readonly { readonly msg: string }[] | null;
}

/** Reads a `/api/traces` or `/api/services` body; throws naming what is wrong with it. */
export function parseJaegerResponse<T>(text: string, what: string): T {
  let body: JaegerResponse<T>;
  try {
    body = JSON.parse(text) as JaegerResponse<T>;
  } catch {
    throw new Error(`Jaeger ${what}: the answer is not JSON: ${text.slice(0, 120)}`);
  }
  if (body.errors !== undefined && body.errors !== null && body.errors.length > 0) {
    throw new Error(`Jaeger ${what}: ${body.errors.map((e) => e.msg).join('; ')}`);
  }
  if (body.data === null || body.data === undefined) throw new Error(`Jaeger ${what}: no data`);
  return body.data;
}

/** The service names of a trace's spans (Istio names them `<app>.<namespace>` by default). */
export function traceServices(trace: JaegerTrace): Set<string> {
  const names = new Set<string>();
  for (const span of trace.spans) {
    const name = trace.processes[span.processID]?.serviceName;
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** Whether a Jaeger service name is the given workload (`orders` matches `orders` and `orders.shop`). */
export function isService(serviceName: string, workload: string): boolean {
  return serviceName === workload || serviceName.startsWith(`${workload}.`);
}
