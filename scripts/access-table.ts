/**
 * The README's "who can call what" table, generated from the catalog like the diagram: each
 * service's gateway routes and what they require, the services that may call it (and how), and
 * its events. `npm run diagram` rewrites it; test/access-table.test.ts fails when it is stale.
 */
import { catalog, type Catalog, type GatewayRoute } from '@mesh-kit/catalog';

export const START = '<!-- access:start (generated from the catalog by `npm run diagram`) -->';
export const END = '<!-- access:end -->';

function requirement(route: GatewayRoute): string {
  const auth = route.auth ?? 'jwt';
  if (auth === 'public') return 'GET, no credentials';
  if (auth === 'signIn') return 'GET and POST, no credentials (the OpenID provider: sign-in pages, token endpoint)';
  if (auth === 'jwt') return 'user token';
  const scopes = (route as { scopes?: readonly string[] }).scopes ?? [];
  return `API key${scopes.length > 0 ? ` (${scopes.join(', ')})` : ''}`;
}

export function renderAccessTable(source: Catalog = catalog): string {
  const rows = source.services.map((service) => {
    const gateway =
      [
        ...service.gateway.map((r) => `\`${r.prefix}\`: ${requirement(r)}`),
        ...(service.callsGateway === true ? ['sends to the gateway with tokens of its own issuer'] : []),
      ].join('<br/>') || '—';
    const callers =
      [
        ...(source.ingress.apiKeys.service === service.name
          ? ['the ingress gateway: its ext_authz check of every API-key route']
          : []),
        ...source.services.flatMap((caller) =>
          caller.calls
            .filter((call) => call.service === service.name)
            .map((call) => `${caller.name}: ${call.methods.join('/')} ${call.paths.map((p) => `\`${p}\``).join(', ')}`),
        ),
      ].join('<br/>') || '—';
    const events =
      [...service.publishes.map((s) => `publishes \`${s}\``), ...service.consumes.map((s) => `consumes \`${s}\``)].join(
        '<br/>',
      ) || '—';
    return `| ${service.name} | ${gateway} | ${callers} | ${events} |`;
  });
  return ['| service | through the gateway | called by (mesh identity) | events |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}

/** The README with its access table replaced; throws when the markers are missing. */
export function withAccessTable(readme: string, table: string = renderAccessTable()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md has no '${START}' … '${END}' block`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}
