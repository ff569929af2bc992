/**
 * The README's architecture diagram (Mermaid), generated from the catalog: gateway routes, the
 * synchronous calls, the events and who owns which database. `npm run diagram` rewrites the
 * block between the README's diagram markers, and the access table (scripts/access-table.ts);
 * test/diagram.test.ts fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { withAccessTable } from './access-table.js';

export const START = '<!-- diagram:start (generated from the catalog by `npm run diagram`) -->';
export const END = '<!-- diagram:end -->';
const README = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'README.md');

const id = (name: string): string => name.replace(/[^a-zA-Z0-9]/g, '_');

export function renderDiagram(source: Catalog = catalog): string {
  const lines = ['flowchart LR', '  client(["client + JWT or API key"]) --> gateway["Istio ingress gateway"]'];
  const subjects = new Set<string>();
  for (const service of source.services) {
    lines.push(`  ${id(service.name)}["${service.name}"]`);
    for (const route of service.gateway) {
      const auth = route.auth ?? 'jwt';
      const label =
        auth === 'jwt'
          ? route.prefix
          : `${route.prefix} (${auth === 'apiKey' ? 'API key' : auth === 'signIn' ? 'sign-in' : auth})`;
      lines.push(`  gateway -->|"${label}"| ${id(service.name)}`);
    }
    if (service.name === source.ingress.apiKeys.service) {
      lines.push(`  gateway -.->|"ext_authz: API keys"| ${id(service.name)}`);
    }
    if (service.callsGateway === true) lines.push(`  ${id(service.name)} -.->|"drives traffic"| gateway`);
    for (const call of service.calls) {
      const label = call.methods.flatMap((method) => call.paths.map((path) => `${method} ${path}`)).join('<br/>');
      lines.push(`  ${id(service.name)} -->|"${label}"| ${id(call.service)}`);
    }
    for (const subject of service.publishes) {
      subjects.add(subject);
      lines.push(`  ${id(service.name)} -.->|"publishes"| ${id(subject)}`);
    }
    for (const subject of service.consumes) {
      subjects.add(subject);
      lines.push(`  ${id(subject)} -.->|"consumes"| ${id(service.name)}`);
    }
    if (service.database !== undefined) {
      lines.push(`  ${id(service.name)} --- db_${id(service.database)}[("db ${service.database}")]`);
    }
  }
  for (const subject of [...subjects].sort()) lines.splice(2, 0, `  ${id(subject)}{{"NATS ${subject}"}}`);
  return ['```mermaid', ...lines, '```'].join('\n');
}

/** The README with its diagram block replaced; throws when the markers are missing. */
export function withDiagram(readme: string, diagram: string = renderDiagram()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md has no '${START}' … '${END}' block`);
  return `${readme.slice(0, start + START.length)}\n${diagram}\n${readme.slice(end)}`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withAccessTable(withDiagram(readFileSync(README, 'utf8'))));
  console.log('diagram: README.md (diagram and access table) updated from the catalog');
}
