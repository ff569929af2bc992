import type { Rule } from '../model.js';

/** Retry conditions that only fire when the request never reached the app (Law 3). */
const SAFE_RETRY_ON = new Set(['connect-failure', 'refused-stream']);

/** A route that is not idempotent retries only when the request never reached the app (Law 3). */
export const safeRetries: Rule = {
  name: 'safe-retries',
  summary: 'a non-idempotent route retries only on connect-failure or refused-stream',
  check({ routes }) {
    const findings: string[] = [];
    for (const r of routes) {
      const unsafe = r.policy.retryOn.filter((c) => !SAFE_RETRY_ON.has(c));
      if (!r.idempotent && r.policy.attempts > 0 && unsafe.length > 0) {
        findings.push(`route ${r.key}: retries on ${unsafe.join(',')} but is not idempotent`);
      }
    }
    return findings;
  },
};
