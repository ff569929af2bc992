import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// @models curl and the tools' release downloads (a stand-in curl)
// scripts/tools.sh against a stand-in curl that serves "fake <url>" for a binary and the right
// checksum file beside it: the checksum logic, without the network.
const root = fileURLToPath(new URL('..', import.meta.url));
const os = process.platform === 'darwin' ? 'darwin' : 'linux';
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const kindUrl = `https://github.com/kubernetes-sigs/kind/releases/download/v0.31.0/kind-${os}-${arch}`;
const fake = (url: string): string => `fake ${url}\n`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const CURL = `#!/usr/bin/env bash
echo "curl $*" >>"$STUB_LOG"
out=/dev/stdout
while [ $# -gt 1 ]; do
  if [ "$1" = -o ]; then out=$2; shift; fi
  shift
done
url=$1
case "$url" in
  *.sha256sum | *.sha256)
    base=\${url%.sha256sum}; base=\${base%.sha256}
    printf '%s  %s\\n' "$(printf 'fake %s\\n' "$base" | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1)" "\${base##*/}" >"$out" ;;
  *) printf 'fake %s\\n' "$url" >"$out" ;;
esac
`;

let bin: string;
let log: string;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'mesh-kit-tools-'));
  log = join(bin, 'calls.log');
  writeFileSync(join(bin, 'curl'), CURL);
  chmodSync(join(bin, 'curl'), 0o755);
  // helm and istioctl come as archives: mark them installed so kind and kubectl are under test.
  for (const [tool, version] of [
    ['helm', 'v4.1.4'],
    ['istioctl', '1.30.3'],
  ]) {
    writeFileSync(join(bin, tool ?? ''), '#!/bin/sh\n');
    chmodSync(join(bin, tool ?? ''), 0o755);
    writeFileSync(join(bin, `.${tool}-${version}`), '');
  }
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

function tools(pins: Record<string, string> = {}): { status: number | null; output: string; curls: string[] } {
  let versions = readFileSync(join(root, 'versions.env'), 'utf8');
  for (const [key, value] of Object.entries(pins))
    versions = versions.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
  writeFileSync(join(bin, 'versions.env'), versions);
  rmSync(log, { force: true });
  const result = spawnSync('bash', ['scripts/tools.sh'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', TOOLS_BIN: bin, VERSIONS_FILE: join(bin, 'versions.env'), STUB_LOG: log },
  });
  const curls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: result.status, output: result.stdout + result.stderr, curls };
}

describe('make tools', () => {
  it('stops on a download whose SHA-256 differs from the pin, naming both', () => {
    const { status, output } = tools({ [`KIND_SHA256_${os}_${arch}`]: 'f'.repeat(64) });
    expect(status).not.toBe(0);
    expect(output).toContain(
      `checksum mismatch for ${kindUrl}: expected ${'f'.repeat(64)}, got ${sha256(fake(kindUrl))}`,
    );
    expect(existsSync(join(bin, 'kind'))).toBe(false);
  });

  it('installs a download that matches its pin, without asking for the published checksum', () => {
    const kubectlUrl = `https://dl.k8s.io/release/v1.35.0/bin/${os}/${arch}/kubectl`;
    const { status, output, curls } = tools({
      [`KIND_SHA256_${os}_${arch}`]: sha256(fake(kindUrl)),
      [`KUBECTL_SHA256_${os}_${arch}`]: sha256(fake(kubectlUrl)),
    });
    expect(status, output).toBe(0);
    expect(readFileSync(join(bin, 'kind'), 'utf8')).toBe(fake(kindUrl));
    expect(curls.filter((call) => /\.sha256(sum)?$/.test(call))).toEqual([]);
    expect(output).not.toContain('warning');
  });

  it('without a pin, checks against the checksum file published beside the download and says so', () => {
    const { status, output, curls } = tools({
      [`KIND_SHA256_${os}_${arch}`]: '',
      [`KUBECTL_SHA256_${os}_${arch}`]: '',
    });
    expect(status, output).toBe(0);
    expect(output).toContain(
      `warning: no checksum pinned for kind on ${os}/${arch} in versions.env; checking against ${kindUrl}.sha256sum`,
    );
    expect(curls).toContain(`curl -fsSL --retry 3 ${kindUrl}.sha256sum`);
  });

  it('downloads nothing when ./bin already holds the pinned versions', () => {
    tools({ [`KIND_SHA256_${os}_${arch}`]: '', [`KUBECTL_SHA256_${os}_${arch}`]: '' });
    const again = tools();
    expect(again.status).toBe(0);
    expect(again.curls).toEqual([]);
    expect(again.output).toContain('kind v0.31.0 already in');
  });
});
