import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console is served by CCH itself under /console; the API is same-origin (/api). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    // `npm run console:dev`: proxy the API to a locally running CCH.
    proxy: { '/api': process.env.CCH_URL ?? 'http://127.0.0.1:3000' },
  },
});
