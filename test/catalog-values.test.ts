import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { catalogValues, shellAssignments } from '../scripts/catalog-values.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('scripts/catalog-values.ts', () => {
  it('gives the shell the namespace and the service list of the catalog it is handed', () => {
    const values = catalogValues({ ...catalog, namespace: 'elsewhere', services: catalog.services.slice(0, 2) });
    expect(values['NAMESPACE']).toBe('elsewhere');
    expect(values['SERVICES']).toBe(`${catalog.services[0]!.name} ${catalog.services[1]!.name}`);
    expect(values['PART_OF_LABEL']).toBe('app.kubernetes.io/part-of=mesh-kit');
  });

  it("prints assignments that lib.sh's load_catalog evaluates to the catalog's values", () => {
    const result = spawnSync(
      'bash',
      ['-c', '. scripts/lib.sh && load_catalog && printf "%s|%s|%s" "$NAMESPACE" "$SERVICES" "$TIER_LABEL"'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      `${catalog.namespace}|${catalog.services.map((s) => s.name).join(' ')}|mesh-kit.dev/tier`,
    );
  });

  it('quotes values so that eval takes them literally', () => {
    const result = spawnSync(
      'bash',
      ['-c', `eval "$1"; printf '%s' "$A"`, '_', shellAssignments({ A: `it's $(id)` })],
      {
        encoding: 'utf8',
      },
    );
    expect(result.stdout).toBe(`it's $(id)`);
  });
});

describe('the catalog is the only place', () => {
  /** Shell scripts and verify's sources, without comments. */
  const sources = [
    ...readdirSync(join(root, 'scripts'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => `scripts/${f}`),
    'scripts/secrets.ts',
    'scripts/token.ts',
    ...readdirSync(join(root, 'infra/verify/src'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `infra/verify/src/${f}`),
  ].map((file) => ({
    file,
    code: readFileSync(join(root, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(#|\/\/|\*|\/\*\*)/.test(line))
      .join('\n'),
  }));

  it.each([
    ['the namespace', `\\b(NAMESPACE=|-n |namespace: ['"]|\\.)${catalog.namespace}\\b|['"]${catalog.namespace}['"]`],
    ['the token issuers', `['"](${catalog.ingress.jwt.issuers.map((i) => i.issuer).join('|')})['"]`],
    [
      'the token audiences',
      `['"](${[...new Set(catalog.ingress.jwt.issuers.flatMap((i) => i.audiences))].join('|')})['"]`,
    ],
    [
      'the Secret names and keys',
      `${catalog.secrets.postgresAdmin}|[*'"\`]${catalog.secrets.databaseSuffix}\\b|loadgen${catalog.secrets.jwtSignerSuffix}|${catalog.secrets.jwtPrivateKey.replace('.', '\\.')}`,
    ],
    ['the PostgreSQL port', `\\b${catalog.postgres.port}\\b`],
  ])('%s is written nowhere in the scripts or verify', (_, pattern) => {
    const re = new RegExp(pattern);
    expect(sources.filter((s) => re.test(s.code)).map((s) => `${s.file}: ${re.exec(s.code)?.[0]}`)).toEqual([]);
  });
});
