import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowsDir = join(root, '.github', 'workflows');

/** `npm run lint:workflows` (actionlint, part of `npm run lint`), with an optional file pattern. */
function actionlint(...pattern: string[]): { status: number | null; output: string } {
  const run = spawnSync('npm', ['run', '--silent', 'lint:workflows', '--', ...pattern], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly 'timeout-minutes'?: number;
  readonly steps: readonly Step[];
}
const workflow = parse(readFileSync(join(workflowsDir, 'ci.yml'), 'utf8')) as { jobs: Record<string, Job> };

describe('the GitHub workflows', () => {
  it('pass actionlint, as npm run lint runs it', { timeout: 60_000 }, () => {
    const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
    const { status, output } = actionlint();
    expect(output).toContain(`Checking ${files.length} workflow file(s)`);
    expect(output).toContain('All workflow files passed lint checks');
    expect(status).toBe(0);
  });

  it('fail the lint when a workflow is broken', { timeout: 60_000 }, () => {
    const { status, output } = actionlint('test/fixtures/workflows/broken.yml');
    expect(status).toBe(1);
    expect(output).toContain('input "fetch-deph" is not defined in action "actions/checkout@v4"');
    expect(output).toContain('property "evnt" is not defined');
    expect(output).toContain('"runs-on" section is missing in job "kind"');
  });

  it('runs .ci/run in the unit job and the user path through make on kind, each job with a timeout', () => {
    const runs = (job: string): string[] => workflow.jobs[job]!.steps.flatMap((s) => (s.run ? [s.run.trim()] : []));
    expect(runs('unit')).toContain('bash .ci/run');
    const kind = runs('kind');
    const order = ['make deploy', 'make verify', 'make undeploy'].map((command) => kind.indexOf(command));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const job of Object.values(workflow.jobs)) expect(job['timeout-minutes']).toBeGreaterThan(0);
  });

  it('uploads make status and the logs when the kind job fails', () => {
    const steps = workflow.jobs['kind']!.steps;
    const collect = steps.find((s) => s.run?.includes('make status'));
    expect(collect?.if).toBe('failure()');
    expect(collect?.run).toContain('make logs');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toMatchObject({ if: 'failure()', with: { path: 'failure/' } });
  });

  it('pins every action by a full commit with its tag beside it', () => {
    const text = readFileSync(join(workflowsDir, 'ci.yml'), 'utf8');
    const uses = [...text.matchAll(/uses: (\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, comment] of uses) {
      expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });
});
