import type { CheckResult } from '../check-result.js';
import type { VerifyContext } from '../context.js';

/** One mesh promise: gathers observations from the cluster and hands them to a pure evaluation. */
export interface Check {
  /** For `--only`. */
  readonly id: string;
  /** The row title in the table. */
  readonly title: string;
  /** Restores whatever it changed before returning, also when it throws. */
  run(ctx: VerifyContext): Promise<CheckResult>;
}
