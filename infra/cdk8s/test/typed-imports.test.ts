import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const imports = fileURLToPath(new URL('../imports/networking.istio.io.js', import.meta.url));
const k8sImports = fileURLToPath(new URL('../imports/k8s.js', import.meta.url));

function typecheck(source: string): string {
  // Inside the workspace (dist/ is ignored) so `cdk8s` resolves as it does for src/.
  const scratch = fileURLToPath(new URL('../dist/', import.meta.url));
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(join(scratch, 'typed-probe-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'probe.ts'), source);
    const run = spawnSync(
      join(root, 'node_modules/.bin/tsc'),
      [
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2023',
        join(dir, 'probe.ts'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('typed Istio imports', () => {
  it('reject a misspelled field at compile time (retries.attemps)', () => {
    const output = typecheck(`
import { App, Chart } from 'cdk8s';
import { VirtualService } from '${imports}';
new VirtualService(new Chart(new App(), 'c'), 'vs', {
  metadata: { name: 'users' },
  spec: { hosts: ['users'], http: [{ retries: { attemps: 2 } }] },
});
`);
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/'attemps' does not exist in type 'VirtualServiceSpecHttpRetries'/);
  }, 60_000);

  it('reject a misspelled field of a Kubernetes object at compile time (StatefulSet spec.replica)', () => {
    const output = typecheck(`
import { App, Chart } from 'cdk8s';
import { KubeStatefulSet } from '${k8sImports}';
new KubeStatefulSet(new Chart(new App(), 'c'), 'sts', {
  metadata: { name: 'nats' },
  spec: { replica: 1, selector: {}, template: {} },
});
`);
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/'replica' does not exist in type 'StatefulSetSpec'/);
  }, 60_000);
});
