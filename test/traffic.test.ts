import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { parseTrafficState } from '../infra/cdk8s/src/traffic-file.js';
import { nextState, run } from '../scripts/traffic.js';

// scripts/traffic.ts behind make canary/promote/rollback/mirror/chaos: the file is the truth, a
// repeated command changes nothing, and bad input is refused naming the make variable.
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-kit-traffic-'));
  file = join(dir, 'traffic.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const empty = { releases: {}, mirrors: {} };

describe('scripts/traffic.ts', () => {
  it('writes a canary once; the same command again leaves the file as it was', () => {
    expect(run(['canary', 'storefront', '20'], file).changed).toBe(true);
    const written = readFileSync(file, 'utf8');
    expect(parseTrafficState(written, file).releases).toEqual({ storefront: { stage: 'canary', weightPercent: 20 } });
    const again = run(['canary', 'storefront', '20'], file);
    expect(again.changed).toBe(false);
    expect(again.message).toMatch(/no changes/);
    expect(readFileSync(file, 'utf8')).toBe(written);
  });

  it('goes canary → mirror → promote (the mirror ends) → rollback, and chaos on and off', () => {
    run(['canary', 'storefront', '0'], file);
    run(['mirror', 'storefront', '25'], file);
    expect(parseTrafficState(readFileSync(file, 'utf8'), file).mirrors).toEqual({ storefront: { percent: 25 } });
    run(['chaos', 'payments-flaky'], file);
    run(['promote', 'storefront'], file);
    let state = parseTrafficState(readFileSync(file, 'utf8'), file);
    expect(state).toEqual({ releases: { storefront: { stage: 'promoted' } }, mirrors: {}, scenario: 'payments-flaky' });
    run(['rollback', 'storefront'], file);
    run(['chaos-off'], file);
    state = parseTrafficState(readFileSync(file, 'utf8'), file);
    expect(state).toEqual({ releases: { storefront: { stage: 'stable' } }, mirrors: {} });
  });

  it('switches payments-replica-down on once, and chaos-off removes it', () => {
    expect(run(['chaos', 'payments-replica-down'], file).changed).toBe(true);
    const written = readFileSync(file, 'utf8');
    expect(parseTrafficState(written, file)).toEqual({ ...empty, scenario: 'payments-replica-down' });
    expect(run(['chaos', 'payments-replica-down'], file).changed).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect(run(['chaos-off'], file).changed).toBe(true);
    expect(parseTrafficState(readFileSync(file, 'utf8'), file)).toEqual(empty);
  });

  it.each([
    [['canary', '', '20'], /^SERVICE is required .*services with a v2 in the catalog: storefront/],
    [['canary', 'storefrnt', '20'], /^SERVICE=storefrnt: no such service/],
    [['canary', 'payments', '20'], /^SERVICE=payments: declares no v2/],
    [['canary', 'storefront', ''], /^WEIGHT is required/],
    [['canary', 'storefront', '101'], /^WEIGHT=101: must be a whole number from 0 to 100/],
    [['canary', 'storefront', '2.5'], /^WEIGHT=2\.5: must be a whole number/],
    [['canary', 'storefront', '-1'], /^WEIGHT=-1: must be a whole number/],
    [['promote', 'storefront'], /^SERVICE=storefront: v2 is not running yet; start a canary first/],
    [['mirror', 'storefront', '10'], /^SERVICE=storefront: mirroring copies v1's traffic to v2, so both must run/],
    [['mirror', 'storefront', 'lots'], /^PERCENT=lots: must be a whole number/],
    [['chaos', ''], /^SCENARIO is required .*payments-flaky, payments-replica-down, users-down, users-slow/],
    [['chaos', 'gremlins'], /^SCENARIO=gremlins: no such scenario/],
  ])('%j is refused: %s', (argv, message) => {
    const [command = '', ...args] = argv;
    expect(() => nextState(catalog, empty, command, args)).toThrow(message);
  });

  it('a refused command leaves the file untouched, and a broken file is named', () => {
    run(['canary', 'storefront', '30'], file);
    const before = readFileSync(file, 'utf8');
    expect(() => run(['canary', 'storefront', '300'], file)).toThrow(/WEIGHT=300/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    writeFileSync(file, '{"releases": {"storefront": {"stage": "halfway"}}}');
    expect(() => run(['show'], file)).toThrow(
      `${file}: releases.storefront.stage must be 'stable', 'canary' or 'promoted'`,
    );
  });
});
