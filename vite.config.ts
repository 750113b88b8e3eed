// Builds the single-page app from web/ into dist/web, which src/http/web.ts serves.
// The page runs under a CSP with no 'unsafe-inline': the build must emit no inline script or style.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The polyfill is a script Vite may inline into index.html; every supported browser has
    // native modulepreload, and an inline script would be blocked by script-src 'self'.
    modulePreload: { polyfill: false },
    // Small assets would otherwise become data: URLs inside the CSS or JS; keep them as files.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
