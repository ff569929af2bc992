/** docs/security.md's table of the gateway's rate limits, from the catalog's `ingress.rateLimit`. */
import type { Catalog, TokenBucket } from '@mesh-kit/catalog';

const bucket = (b: TokenBucket): string =>
  `${b.maxTokens} | ${b.tokensPerFill} every ${b.fillIntervalMs === 1000 ? 'second' : `${b.fillIntervalMs} ms`}`;

export function renderRateLimitTable(source: Catalog): string {
  const r = source.ingress.rateLimit;
  return [
    '| bucket | requests at once | refilled |',
    '|---|---|---|',
    `| each user and each API client (\`perClient\`, at most ${r.maxClients.toLocaleString('en-US')} of each per gateway pod) | ${bucket(r.perClient)} |`,
    `| every request without credentials, together (\`anonymous\`) | ${bucket(r.anonymous)} |`,
  ].join('\n');
}
