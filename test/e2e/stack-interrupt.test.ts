/**
 * Interrupting `npm run stack` (Ctrl-C reaching npm, an IDE's stop button, `kill -INT` of npm's pid)
 * stops every service it started: npm forwards the signal to its script's process, so that process
 * must be the stack itself, not a shell waiting on it.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStack } from '../../test-support/stack-process.js';

/** True when something accepts a TCP connection at the URL's host and port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run stack, interrupted', () => {
  it('stops every service and the gateway when npm gets SIGINT', { timeout: 180_000 }, async () => {
    const stack = await startStack({}, { viaNpm: true });
    const urls = Object.values(stack.urls);
    expect(urls.length).toBeGreaterThan(5);
    expect(await Promise.all(urls.map(listening))).not.toContain(false);

    const { code } = await stack.stop();
    expect(code).toBe(0);
    // npm has exited; whatever still listens was left behind by it.
    const left = (await Promise.all(urls.map(async (url) => ((await listening(url)) ? url : undefined)))).filter(
      (url) => url !== undefined,
    );
    expect(left).toEqual([]);
  });
});
