import { describe, expect, it } from 'vitest';
import { ownerOf, selfTimeByOwner, type CpuProfile } from '../scripts/bench/attribution.js';

const frame = (url: string, functionName = 'f') => ({ url, functionName });

describe('CPU profile attribution', () => {
  it('names the package, the workspace, Node itself or the V8 pseudo-frame that owns a frame', () => {
    expect(ownerOf(frame('file:///app/node_modules/express/lib/router.js'))).toBe('express');
    expect(ownerOf(frame('file:///app/node_modules/@opentelemetry/api/build/src/index.js'))).toBe('@opentelemetry/api');
    expect(ownerOf(frame('file:///app/node_modules/a/node_modules/pino/pino.js'))).toBe('pino');
    expect(ownerOf(frame('file:///app/services/runtime/dist/app.js'))).toBe('runtime');
    expect(ownerOf(frame('node:internal/streams/writable'))).toBe('node');
    expect(ownerOf(frame('', '(garbage collector)'))).toBe('(garbage collector)');
    expect(ownerOf(frame('', 'writev'))).toBe('native');
  });

  it('sums self time per owner inside the window only, idle left out', () => {
    const profile: CpuProfile = {
      startTime: 1_000,
      nodes: [
        { id: 1, callFrame: frame('', '(idle)') },
        { id: 2, callFrame: frame('file:///x/node_modules/pg/lib/client.js') },
        { id: 3, callFrame: frame('node:net') },
      ],
      // at: 1100 (pg, start-up), 1300 (pg), 1600 (net), 2000 (idle), 2500 (pg, after)
      samples: [2, 2, 3, 1, 2],
      timeDeltas: [100, 200, 300, 400, 500],
    };
    expect(selfTimeByOwner(profile, { fromUs: 1_200, toUs: 2_100 })).toEqual([
      ['node', 0.3],
      ['pg', 0.2],
    ]);
    expect(selfTimeByOwner(profile)).toEqual([
      ['pg', 0.8],
      ['node', 0.3],
    ]);
  });
});
