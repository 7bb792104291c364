import { readdir } from 'node:fs/promises';
import { awsRegionNames } from '../domain/awsRegions';
import { didYouMean } from '../domain/didYouMean';
import { globalScope } from '../domain/resource';
import { workspacePaths } from '../services/storage/workspace';
import { splitList } from './cloudJob';

/**
 * `--regions a,b` of scan, resources and power, checked before anything runs: a name that is not an AWS region
 * (`mars-1`, `eu-wset-1`) is refused with a "did you mean", as the console's `:region` refuses it, instead of a
 * scan of nothing that exits 0. A region newer than infradeck's list passes when a cached scan names it.
 * Returns the regions, undefined without the flag, or the problem (a usage error).
 */
export async function parseRegionsFlag(
  value: string | undefined,
  dataDir: string | undefined,
): Promise<{ regions?: string[] } | { error: string }> {
  if (value === undefined) return {};
  const regions = splitList(value);
  if (!regions) return { error: '--regions: no region given' };
  const known = new Set(awsRegionNames);
  const unknown = regions.filter((r) => !known.has(r));
  if (unknown.length === 0) return { regions };
  for (const r of await cachedRegions(dataDir)) known.add(r);
  const bad = unknown.find((r) => !known.has(r));
  if (!bad) return { regions };
  const near = didYouMean(bad, known, 3);
  return {
    error: `--regions ${bad}: not an AWS region (${near ? `did you mean ${near}?` : 'regions read like eu-west-1, us-east-1'})`,
  };
}

/** Every region a cached scan of any account names (`<cache>/<account>/<region>.json`). */
async function cachedRegions(dataDir: string | undefined): Promise<string[]> {
  if (!dataDir) return [];
  const cacheDir = workspacePaths(dataDir).cacheDir;
  const accounts = await readdir(cacheDir, { withFileTypes: true }).catch(() => []);
  const regions: string[] = [];
  for (const a of accounts) {
    if (!a.isDirectory()) continue;
    const files = await readdir(`${cacheDir}/${a.name}`).catch(() => [] as string[]);
    for (const f of files) if (f.endsWith('.json')) regions.push(f.slice(0, -'.json'.length));
  }
  return regions.filter((r) => r !== globalScope);
}
