import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Modules of the TypeScript sources, bundled (node_modules left as imports) into a folder under the repository,
 * where node finds node_modules, and imported. `exports` are the entry's lines, relative to that folder
 * (`export { openBus } from '../src/services/bus/openBus';`). The folder is removed once imported.
 */
export async function importSources(name, exports) {
  const dir = join(root, `.infradeck-test-bench-${name}-sources-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `${exports.join('\n')}\n`);
    const out = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
