// Bundles the CLI into dist/: one ESM entry plus lazily loaded chunks (AWS SDK, BullMQ),
// because start-up time is dominated by module loading, not by our code.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inkPatch } from './inkPatch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// Build beside dist/ and swap it in, so a process running the old bundle never sees half a build.
const out = join(root, `.dist-build-${process.pid}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const emptyModule = join(out, 'empty.mjs');
writeFileSync(emptyModule, 'export default {};\n');

await build({
  entryPoints: { cli: join(root, 'src/cli.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Start-up is mostly parsing the bundle: smaller source parses faster (names stay readable in the map).
  minify: true,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
  // ink imports react-devtools-core only when DEV is set; keep it out of the bundle.
  alias: { 'react-devtools-core': emptyModule },
  // A native addon, optional and loaded lazily: resolved from node_modules at run time, never bundled.
  external: ['@napi-rs/keyring'],
  // Ink 6.8 repaints a full-height frame whole; see the patch for the one-character fix.
  plugins: [inkPatch],
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __infradeckRequire } from 'node:module'; const require = __infradeckRequire(import.meta.url);",
  },
});
rmSync(emptyModule);
chmodSync(join(out, 'cli.js'), 0o755);
const old = `${dist}.old-${process.pid}`;
if (existsSync(dist)) renameSync(dist, old);
renameSync(out, dist);
rmSync(old, { recursive: true, force: true });
