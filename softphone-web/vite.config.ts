import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The softphone is a static single-page app: `vite build softphone-web` writes
// softphone-web/dist, which the admin API serves at "/". It imports the protocol
// engines straight from ../src (src/zrtp, src/media-crypto), so the repository root
// must be inside Vite's file-serving allow list.
const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  server: { fs: { allow: [repo] } },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small app: keep the output predictable for the admin API's static serving.
    assetsInlineLimit: 0,
  },
});
