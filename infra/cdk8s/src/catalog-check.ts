import { type Catalog, subjectMatches } from '@mesh-kit/catalog';
import { trafficProblems } from './traffic-check.js';
import { isUnder } from './constructs/shop-service.js';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SCOPE = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/;

/**
 * Problems that would make the catalog's manifests inconsistent, each naming the field:
 * duplicate names or ports, a service that neither autoscales nor says why not (or both), calls to
 * unknown services or routes, route calls not declared in the service's `calls`, gateway prefixes that expose no route or lie outside the JWT-protected prefix,
 * event subjects that no single stream stores, and traffic settings that do not hold together (traffic-check.ts).
 */
export function catalogProblems(source: Catalog): string[] {
  const problems: string[] = [];
  const protectedPrefix = source.ingress.jwt.protectedPrefix;
  if (!/^\/([^/]+\/)*$/.test(protectedPrefix)) {
    problems.push(
      `ingress.jwt.protectedPrefix: must be a path with a trailing slash ('/api/'), got '${protectedPrefix}'`,
    );
  }
  const answerer = source.services.find((s) => s.name === source.ingress.apiKeys.service);
  if (answerer === undefined) {
    problems.push(`ingress.apiKeys.service: no service named '${source.ingress.apiKeys.service}'`);
  } else if (answerer.database === undefined) {
    problems.push(`ingress.apiKeys.service: '${answerer.name}' owns no database to keep the keys in`);
  }
  const issuerIds = source.ingress.jwt.issuers.map((i) => i.id);
  if (issuerIds.length === 0) problems.push('ingress.jwt.issuers: at least one issuer is needed');
  for (const [i, id] of issuerIds.entries()) {
    if (issuerIds.indexOf(id) !== i) problems.push(`ingress.jwt.issuers[${i}].id: '${id}' is declared twice`);
  }
  const providers = new Set<string>();
  for (const [i, issuer] of source.ingress.jwt.issuers.entries()) {
    if (issuer.service === undefined) continue;
    providers.add(issuer.service);
    const provider = source.services.find((s) => s.name === issuer.service);
    if (provider === undefined) {
      problems.push(`ingress.jwt.issuers[${i}].service: no service named '${issuer.service}'`);
    } else if (issuer.id !== provider.name) {
      problems.push(`ingress.jwt.issuers[${i}].id: must be its service's name '${provider.name}', got '${issuer.id}'`);
    }
    if (!/^https?:\/\/[^/]+\/\S*$/.test(issuer.issuer)) {
      problems.push(
        `ingress.jwt.issuers[${i}].issuer: a provider in the shop needs the URL browsers reach it at, got '${issuer.issuer}'`,
      );
    }
  }
  const names = new Set<string>();
  const ports = new Map<number, string>();
  for (const [i, s] of source.services.entries()) {
    const at = `services[${i}] (${s.name})`;
    if (!DNS_LABEL.test(s.name)) problems.push(`${at}.name: must be a DNS label, got '${s.name}'`);
    if (names.has(s.name)) problems.push(`${at}.name: '${s.name}' is declared twice`);
    names.add(s.name);
    const other = ports.get(s.port);
    if (other !== undefined) problems.push(`${at}.port: ${s.port} is also ${other}'s port`);
    ports.set(s.port, s.name);
    const reason = s.fixedReplicasReason?.trim() ?? '';
    if (s.autoscaling === undefined && reason === '') {
      problems.push(
        `${at}.autoscaling: declare it, or say in fixedReplicasReason why the service keeps fixed replicas`,
      );
    }
    if (s.autoscaling !== undefined && s.fixedReplicasReason !== undefined) {
      problems.push(`${at}.fixedReplicasReason: the service declares autoscaling; drop one of the two`);
    }
  }
  for (const [i, s] of source.services.entries()) {
    const at = `services[${i}] (${s.name})`;
    for (const [j, call] of s.calls.entries()) {
      const callee = source.services.find((x) => x.name === call.service);
      if (callee === undefined) {
        problems.push(`${at}.calls[${j}].service: no service named '${call.service}'`);
        continue;
      }
      for (const method of call.methods) {
        for (const path of call.paths) {
          if (!callee.routes.some((r) => r.method === method && r.path === path)) {
            problems.push(`${at}.calls[${j}]: ${call.service} has no route ${method} ${path}`);
          }
        }
      }
    }
    for (const [j, route] of s.routes.entries()) {
      if ((route.calls ?? []).length > 1 && route.callOrder === undefined) {
        problems.push(
          `${at}.routes[${j}].callOrder: ${route.method} ${route.path} makes ${route.calls!.length} calls; say whether 'sequential' or 'parallel'`,
        );
      }
      const margin = route.ownWorkMarginPercent;
      if (margin !== undefined && !(Number.isFinite(margin) && margin >= 0)) {
        problems.push(`${at}.routes[${j}].ownWorkMarginPercent: must be a number ≥ 0, got ${margin}`);
      }
      for (const [k, rc] of (route.calls ?? []).entries()) {
        const declared = s.calls.some(
          (c) => c.service === rc.service && c.methods.includes(rc.method) && c.paths.includes(rc.path),
        );
        if (!declared) {
          problems.push(
            `${at}.routes[${j}].calls[${k}]: ${rc.method} ${rc.service} ${rc.path} is not among the service's calls`,
          );
        }
      }
    }
    for (const [field, subjects] of [
      ['publishes', s.publishes],
      ['consumes', s.consumes],
    ] as const) {
      for (const [j, subject] of subjects.entries()) {
        const stores = source.streams.filter((st) => st.subjects.some((p) => subjectMatches(p, subject)));
        if (stores.length !== 1) {
          problems.push(
            `${at}.${field}[${j}]: '${subject}' must be stored by exactly one of streams, found ${stores.length}`,
          );
        }
      }
    }
    for (const [j, g] of s.gateway.entries()) {
      const auth = g.auth ?? 'jwt';
      const scopes = g.scopes ?? [];
      if (auth === 'apiKey' && scopes.length === 0) {
        problems.push(`${at}.gateway[${j}].scopes: an API-key route needs at least one scope`);
      }
      if (auth !== 'apiKey' && scopes.length > 0) {
        problems.push(`${at}.gateway[${j}].scopes: only API-key routes take scopes, this one is '${auth}'`);
      }
      for (const scope of scopes) {
        if (!SCOPE.test(scope)) problems.push(`${at}.gateway[${j}].scopes: '${scope}' is not '<resource>:<verb>'`);
      }
      if (!s.routes.some((r) => r.path === g.rewrite || r.path.startsWith(`${g.rewrite}/`))) {
        problems.push(`${at}.gateway[${j}]: no route under '${g.rewrite}'`);
      }
      if (g.auth === 'public') {
        for (const r of s.routes.filter((r) => isUnder(r.path, g.rewrite))) {
          if (r.method !== 'GET') {
            problems.push(`${at}.gateway[${j}].auth: public routes are GET only; ${r.method} ${r.path} is under it`);
          }
        }
      }
      if (g.auth === 'signIn') {
        if (!providers.has(s.name)) {
          problems.push(
            `${at}.gateway[${j}].auth: only an identity provider (an issuer's \`service\`) serves signIn routes`,
          );
        }
        for (const r of s.routes.filter((r) => r.path === g.rewrite || r.path.startsWith(`${g.rewrite}/`))) {
          if (r.method !== 'GET' && r.method !== 'POST') {
            problems.push(`${at}.gateway[${j}].auth: signIn routes are GET or POST; ${r.method} ${r.path} is under it`);
          }
        }
        if (g.prefix.startsWith(protectedPrefix)) {
          problems.push(
            `${at}.gateway[${j}].prefix: a signIn route lies outside ingress.jwt.protectedPrefix '${protectedPrefix}', got '${g.prefix}'`,
          );
        }
        if (g.rewrite !== g.prefix) {
          problems.push(
            `${at}.gateway[${j}].rewrite: a provider builds its URLs from the path it is reached at; use '${g.prefix}'`,
          );
        }
      } else if (g.auth !== 'public' && !g.prefix.startsWith(protectedPrefix)) {
        // Only a public route (no credentials, GET only) may lie outside: every token route needs the 401 there.
        problems.push(
          `${at}.gateway[${j}].prefix: '${g.prefix}' is outside ingress.jwt.protectedPrefix '${protectedPrefix}'`,
        );
      }
    }
  }
  problems.push(...streamLimitProblems(source));
  problems.push(...trafficProblems(source));
  return problems;
}

/** Throws one error listing every catalog problem. */
export function assertValidCatalog(source: Catalog): void {
  const problems = catalogProblems(source);
  if (problems.length > 0) throw new Error(`invalid catalog:\n  ${problems.join('\n  ')}`);
}

/**
 * The streams' limits must fit the broker's volume together (else the disk fills before any limit
 * applies), and a parked copy (the event plus headers) must fit its dead-letter stream.
 */
function streamLimitProblems(source: Catalog): string[] {
  const problems: string[] = [];
  const volume = source.nats.storageGi * 1024 ** 3;
  const total = source.streams.reduce((sum, st) => sum + st.limits.maxBytes + st.deadLetterLimits.maxBytes, 0);
  if (total > volume) {
    problems.push(`streams: the maxBytes of all streams (${total}) exceed nats.storageGi (${volume} bytes)`);
  }
  for (const [i, st] of source.streams.entries()) {
    for (const [field, limits] of [
      ['limits', st.limits],
      ['deadLetterLimits', st.deadLetterLimits],
    ] as const) {
      for (const [key, value] of Object.entries(limits)) {
        if (!Number.isInteger(value) || value <= 0)
          problems.push(`streams[${i}].${field}.${key}: must be a positive integer, got ${value}`);
      }
    }
    if (st.deadLetterLimits.maxMsgSize <= st.limits.maxMsgSize) {
      problems.push(
        `streams[${i}].deadLetterLimits.maxMsgSize: must exceed limits.maxMsgSize (${st.limits.maxMsgSize}) so a parked copy with its headers fits, got ${st.deadLetterLimits.maxMsgSize}`,
      );
    }
  }
  return problems;
}
