import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('logger redaction', () => {
  it('never writes an API key, a bearer token or a cookie, at the top level or one object down', () => {
    const { lines, stream } = capture();
    const logger = createLogger('test', 'info', stream);
    const headers = { 'x-api-key': 'mk_secret', authorization: 'Bearer tok.en', cookie: 'sid=1', accept: '*/*' };
    logger.info({ headers }, 'top level');
    logger.info({ req: { headers } }, 'nested');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toMatch(/mk_secret|tok\.en|sid=1/);
      expect(line).toContain('*/*');
    }
    expect(JSON.parse(lines[1]!).req.headers['x-api-key']).toBe('[redacted]');
  });
});
