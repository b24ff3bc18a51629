import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// The browser client: one page, served by every node at / and /game/<id>. The shared wire
// types come from libs/protocol, resolved from source as in the rest of the workspace.
export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    alias: { '@rookery/protocol': here('../libs/protocol/src/index.ts') },
  },
  build: {
    outDir: process.env.ROOKERY_CLIENT_OUT ?? here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
    // Sprites are fetched by URL by the board; keep them files.
    assetsInlineLimit: 0,
  },
  // `npm run dev:client`: Vite's dev server in front of a node started by `npm start`.
  server: {
    port: 5173,
    proxy: {
      '/api': 'http://127.0.0.1:8001',
      '/socket.io': { target: 'http://127.0.0.1:8001', ws: true },
    },
  },
});
