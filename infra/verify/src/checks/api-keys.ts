import { randomBytes } from 'node:crypto';
import { generateApiKey, hashApiKey, insertStatement, revokeStatement } from '@mesh-kit/catalog/api-key';
import { apiKeysDatabase, superuserPsql } from '@mesh-kit/catalog';
import { evaluateApiKeys } from '../evaluate.js';
import type { VerifyContext } from '../context.js';
import type { Check } from './check.js';

/** psql as the superuser in the PostgreSQL pod, on the apikeys database. */
async function sql(ctx: VerifyContext, statement: string): Promise<void> {
  const { catalog } = ctx;
  const database = apiKeysDatabase(catalog);
  const [pod] = await ctx.cluster.readyPods(ctx.namespace, catalog.postgres.name);
  // Only hashes and names reach the command line, never a key.
  const result = await ctx.cluster.exec(ctx.namespace, pod!.metadata!.name!, catalog.postgres.name, [
    ...superuserPsql(database),
    '-c',
    statement,
  ]);
  if (result.exitCode !== 0) throw new Error(`psql: ${result.stderr.trim()}`);
}

/**
 * GET /api/stats through the gateway: no key (401), a user token with or without a valid key (403:
 * the ext_authz check runs before jwt_authn, so apikeys refuses any Authorization), a key with stats:read (200),
 * one without (403), a malformed key (400), and the valid key once revoked (401, no redeploy).
 * Creates two keys for clients named verify-<random> and deletes them afterwards.
 */
export const apiKeysCheck: Check = {
  id: 'api-keys',
  title: 'API keys: /api/stats takes a key with its scope, refuses user tokens, revocation is immediate',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const suffix = randomBytes(4).toString('hex');
    const reader = { name: `verify-${suffix}`, key: generateApiKey() };
    const narrow = { name: `verify-${suffix}-narrow`, key: generateApiKey() };
    await sql(ctx, insertStatement(reader.name, ['stats:read'], hashApiKey(reader.key)));
    await sql(ctx, insertStatement(narrow.name, ['verify:none'], hashApiKey(narrow.key)));
    try {
      const stats = (headers: Record<string, string> = {}, token?: string) =>
        gateway.send('GET', '/api/stats', { headers, ...(token === undefined ? {} : { token }) });
      const noKey = await stats();
      const seen = {
        noKey: noKey.status,
        noKeyContentType: noKey.headers['content-type'] ?? '',
        userToken: (await stats({}, await gateway.token())).status,
        userTokenAndKey: (await stats({ 'x-api-key': reader.key }, await gateway.token())).status,
        valid: (await stats({ 'x-api-key': reader.key })).status,
        wrongScope: (await stats({ 'x-api-key': narrow.key })).status,
        malformed: (await stats({ 'x-api-key': 'not-a-key' })).status,
      };
      await sql(ctx, revokeStatement(reader.name));
      return evaluateApiKeys({ ...seen, revoked: (await stats({ 'x-api-key': reader.key })).status });
    } finally {
      await sql(ctx, `DELETE FROM api_keys WHERE name IN ('${reader.name}', '${narrow.name}');`);
    }
  },
};
