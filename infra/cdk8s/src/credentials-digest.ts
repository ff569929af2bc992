/**
 * Credential rotation for pods: Secrets are created at deploy time (`make secrets`), outside the
 * manifests, so a new password in a Secret would reach a running pod only when it restarts. Each
 * pod template that reads Secrets carries a digest over exactly those Secrets' digests (never a
 * value): new credentials change the template, and `kubectl apply` (or `helm upgrade`) rolls those
 * pods and no others.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pod-template annotation holding the digest. */
export const CREDENTIALS_ANNOTATION = 'mesh-kit.dev/credentials-digest';

/** What a Secret's digest is where none is known (synth without `.secrets/`, the chart's default values). */
export const UNKNOWN_CREDENTIAL = 'unknown';

/**
 * The annotation value for a pod reading `secrets`: SHA-256 (hex) over one `<name>:<digest>` line
 * per Secret, sorted by name, the digest `unknown` where `digests` has none. The chart's
 * `mesh-kit.credentials` helper (scripts/chart.ts) builds the same lines from its value
 * `credentialDigests`.
 */
export function credentialsDigest(secrets: Iterable<string>, digests: Readonly<Record<string, string>>): string {
  const lines = [...new Set(secrets)]
    .sort()
    .map((name) => `${name}:${digests[name] ?? UNKNOWN_CREDENTIAL}\n`)
    .join('');
  return createHash('sha256').update(lines).digest('hex');
}

/** `{ annotation: digest }` for a pod reading `secrets`; nothing for a pod that reads none. */
export function credentialsAnnotations(
  secrets: Iterable<string>,
  digests: Readonly<Record<string, string>>,
): Record<string, string> {
  const names = [...new Set(secrets)];
  return names.length === 0 ? {} : { [CREDENTIALS_ANNOTATION]: credentialsDigest(names, digests) };
}

/**
 * SHA-256 of each `<name>.json` under `dir` (what `make secrets` writes, one file per Secret), by
 * name; an empty record when `dir` does not exist. Only digests leave the directory.
 */
export function readCredentialDigests(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const digests: Record<string, string> = {};
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    digests[file.slice(0, -'.json'.length)] = createHash('sha256')
      .update(readFileSync(join(dir, file)))
      .digest('hex');
  }
  return digests;
}
