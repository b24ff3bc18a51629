#!/usr/bin/env node
// Bundles each k6 script (deploy/k6/*.ts) into deploy/k6/dist/<name>.js: one ES module per
// script with our libraries inlined and only k6's own modules (and remote https:// modules,
// which k6 fetches itself) left as imports. Type-checking is tsc's job (tsconfig.json here):
// esbuild only strips the types.
//   node deploy/k6/build.mjs [--out DIR]
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outdir = outIndex >= 0 && args[outIndex + 1] ? resolve(args[outIndex + 1]) : join(here, 'dist');

/** The scripts k6 runs: every .ts directly in this folder but declarations and specs. */
const SCRIPTS = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.spec.ts'))
  .sort();

const result = await build({
  entryPoints: SCRIPTS.map((f) => join(here, f)),
  outdir,
  bundle: true,
  format: 'esm',
  // k6 runs ES2020 and async/await natively (k6/websockets needs an event loop anyway);
  // lowering further would only hide what the scripts really use.
  target: 'es2020',
  platform: 'neutral',
  external: ['k6', 'k6/*', 'https://*'],
  tsconfig: join(here, 'tsconfig.json'),
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

for (const [file, out] of Object.entries(result.metafile.outputs)) {
  process.stdout.write(`k6:build ${basename(file)} ${out.bytes} bytes, imports ${out.imports.map((i) => i.path).join(', ') || 'nothing'}\n`);
}
