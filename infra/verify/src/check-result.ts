/** What one check concluded, and why, in a sentence a reader of the table can act on. */
export interface CheckResult {
  /** `skip`: what the check proves is not switched on (e.g. no canary runs); not a failure. */
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail: string;
}

/** A row of the printed table. */
export interface CheckReport extends CheckResult {
  readonly title: string;
  readonly durationMs: number;
}

export const pass = (detail: string): CheckResult => ({ status: 'pass', detail });
export const fail = (detail: string): CheckResult => ({ status: 'fail', detail });
export const skip = (detail: string): CheckResult => ({ status: 'skip', detail });
