/**
 * The unit tier (`npm run test:unit`) runs without PostgreSQL, NATS, Docker, a browser or a running
 * shop: none of its files reaches for them. The integration tier is every other test file, so no
 * file is left out of `npm test`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { UNIT_TESTS } from '../vitest.config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What a test needs a backing service or a running shop for. */
const NEEDS_BACKING =
  /inject\(['"]backing['"]\)|test-support\/(databases|stack-process|backing-services|consumer-service)|startStack\(|nats-server|pg_ctl|testcontainers|playwright|docker /;

describe('test tiers', () => {
  const unit = globSync(UNIT_TESTS, { cwd: root, ignore: ['**/node_modules/**'] });

  it('the unit tier holds tests, and none of them needs a backing service or a running shop', () => {
    expect(unit.length).toBeGreaterThan(40);
    const offenders = unit.filter(
      (file) => file !== 'test/test-tiers.test.ts' && NEEDS_BACKING.test(readFileSync(`${root}${file}`, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('the check can fail: a test of the integration tier needs a backing service', () => {
    expect(NEEDS_BACKING.test(readFileSync(`${root}test/e2e/readme-quickstart.test.ts`, 'utf8'))).toBe(true);
    expect(unit).not.toContain('test/e2e/readme-quickstart.test.ts');
  });
});
