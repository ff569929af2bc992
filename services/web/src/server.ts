import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { siteConfig } from './site-config.js';

await runService({
  name: 'web',
  configSchema,
  async start(config, logger) {
    const staticDir = config.WEB_STATIC_DIR ?? fileURLToPath(new URL('./public/', import.meta.url));
    if (!existsSync(join(staticDir, 'index.html'))) {
      throw new Error(`WEB_STATIC_DIR: no index.html in ${staticDir} (build the app: npm run build -w @mesh-kit/web)`);
    }
    return createApp({ logger, staticDir, site: siteConfig(config) });
  },
});
