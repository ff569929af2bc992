/** What one check concluded, and why, in a sentence a reader of the table can act on. */
export interface CheckResult {
  readonly status: 'pass' | 'fail';
  readonly detail: string;
}

/** A row of the printed table. */
export interface CheckReport extends CheckResult {
  readonly title: string;
  readonly durationMs: number;
}

export const pass = (detail: string): CheckResult => ({ status: 'pass', detail });
export const fail = (detail: string): CheckResult => ({ status: 'fail', detail });
