import { fileURLToPath } from 'node:url';
import { runDatabaseService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runDatabaseService({
  name: 'users',
  configSchema,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  createApp,
});
