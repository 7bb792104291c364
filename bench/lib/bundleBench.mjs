import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { inkPatch } from '../../scripts/inkPatch.mjs';

/**
 * Bundles a TypeScript benchmark the way scripts/build.mjs bundles the CLI (production React, no devtools,
 * a `require` for CommonJS dependencies), so it measures the code users run. Returns the .mjs to run with node.
 */
export async function bundleBench(entry, outDir) {
  const emptyModule = join(outDir, 'empty.mjs');
  writeFileSync(emptyModule, 'export default {};\n');
  const outfile = join(outDir, basename(entry).replace(/\.tsx?$/, '.mjs'));
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    sourcemap: 'inline',
    logLevel: 'warning',
    alias: { 'react-devtools-core': emptyModule },
    // A native module, loaded from node_modules at run time as in scripts/build.mjs.
    external: ['@napi-rs/keyring'],
    plugins: [inkPatch],
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
  });
  return outfile;
}
