import { useSyncExternalStore } from 'react';

/** The last action the person took and the trace it joined (from the `traceresponse` header). */
export interface TracedAction {
  readonly label: string;
  readonly traceId: string;
}

let last: TracedAction | undefined;
const listeners = new Set<() => void>();

/** W3C Trace Context Level 2: `version-traceid-spanid-flags`. */
export function traceIdOf(traceresponse: string | null): string | undefined {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceresponse ?? '');
  return match?.[1];
}

export function recordTrace(action: TracedAction): void {
  last = action;
  for (const listener of listeners) listener();
}

export function useLastTrace(): TracedAction | undefined {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => last,
  );
}
