import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The shop's browser app, built into the web service's dist/public (what its image serves). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/public', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The polyfill would be inline script; every browser the shop supports preloads modules natively.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
});
