import type { CheckReport, CheckResult } from './check-result.js';

export interface RunnableCheck<C> {
  readonly id: string;
  readonly title: string;
  run(ctx: C): Promise<CheckResult>;
}

/** The checks named by `--only` (comma-separated ids), in suite order; throws naming unknown ids. */
export function selectChecks<T extends { readonly id: string }>(all: readonly T[], only: string | undefined): T[] {
  if (only === undefined || only.trim() === '') return [...all];
  const wanted = only.split(',').map((id) => id.trim());
  const unknown = wanted.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown check ${unknown.join(', ')} (known: ${all.map((c) => c.id).join(', ')})`);
  }
  return all.filter((c) => wanted.includes(c.id));
}

/** Runs checks one after another; a check that throws fails with the error's message, and the rest still run. */
export async function runChecks<C>(
  checks: readonly RunnableCheck<C>[],
  ctx: C,
  onStart: (check: RunnableCheck<C>) => void = () => undefined,
): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  for (const check of checks) {
    onStart(check);
    const started = Date.now();
    let result: CheckResult;
    try {
      result = await check.run(ctx);
    } catch (error) {
      result = { status: 'fail', detail: `error: ${error instanceof Error ? error.message : String(error)}` };
    }
    reports.push({ title: check.title, ...result, durationMs: Date.now() - started });
  }
  return reports;
}
