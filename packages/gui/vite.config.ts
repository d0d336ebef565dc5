/**
 * Builds the browser app (`src/app/`) into `dist/app/`, for the control plane to serve at `/gui/`.
 * Preact's automatic JSX runtime; one JS and one CSS file with hashed names, no external requests.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/app', import.meta.url)),
  base: '/gui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/app', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    sourcemap: false,
  },
});
