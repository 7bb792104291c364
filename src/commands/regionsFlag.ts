import { awsRegionNames } from '../domain/awsRegions';
import { didYouMean } from '../domain/didYouMean';
import { globalScope } from '../domain/resource';
import { cachedAccounts, cachedScopes } from '../services/cloud/scanCache';
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

/** Every region a cached scan of any account names. */
async function cachedRegions(dataDir: string | undefined): Promise<string[]> {
  if (!dataDir) return [];
  const cacheDir = workspacePaths(dataDir).cacheDir;
  const regions: string[] = [];
  for (const account of await cachedAccounts(cacheDir))
    regions.push(...(await cachedScopes(cacheDir, account)));
  return regions.filter((r) => r !== globalScope);
}
