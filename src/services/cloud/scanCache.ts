import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { globalScope, type RegionScan, resourceTypes } from '../../domain/resource';

/**
 * The scan cache: `<cacheDir>/<account>/<region>.json`, one file per region (and `global.json` for buckets),
 * each written whole (temp file + rename) so a reader never sees half a scan.
 *
 * Bump `scanCacheFormat` whenever `Resource` changes shape: files of another format are treated as missing
 * and the region is scanned again.
 */
export const scanCacheFormat = 1;

const nameRule = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const resourceSchema = z.object({
  type: z.enum(resourceTypes),
  id: z.string(),
  name: z.string().optional(),
  region: z.string(),
  state: z.string().optional(),
  project: z.string().optional(),
  createdAt: z.number().optional(),
  detail: z.string(),
  tags: z.record(z.string(), z.string()),
  refs: z.object({
    vpc: z.string().optional(),
    subnet: z.string().optional(),
    securityGroups: z.array(z.string()).optional(),
    volumes: z.array(z.string()).optional(),
    instance: z.string().optional(),
    subnets: z.array(z.string()).optional(),
    internetGateways: z.array(z.string()).optional(),
    keyPair: z.string().optional(),
  }),
  implicit: z.boolean().optional(),
  raw: z.record(z.string(), z.unknown()).optional(),
});

const fileSchema = z.object({
  format: z.literal(scanCacheFormat),
  account: z.string(),
  region: z.string(),
  scanTime: z.number(),
  resources: z.array(resourceSchema),
});

export type CacheRead =
  | { status: 'ok'; scan: RegionScan }
  /** No file, a file that does not parse, or one of another format: scan the region again. */
  | { status: 'missing' | 'corrupt' | 'old-format'; reason: string };

function checkName(what: string, value: string): void {
  if (!nameRule.test(value)) throw new Error(`scan cache: ${what} "${value}" is not a safe file name`);
}

export function regionCachePath(cacheDir: string, account: string, region: string): string {
  checkName('account', account);
  checkName('region', region);
  return join(cacheDir, account, `${region}.json`);
}

/** Writes a successful scan. A failed scan is not cached: the last good one stays on disk. */
export async function writeRegionScan(cacheDir: string, scan: RegionScan): Promise<string> {
  if (scan.error) throw new Error(`scan cache: the scan of ${scan.region} failed and is not cached`);
  const path = regionCachePath(cacheDir, scan.account, scan.region);
  await mkdir(join(cacheDir, scan.account), { recursive: true });
  const body = JSON.stringify({
    format: scanCacheFormat,
    account: scan.account,
    region: scan.region,
    scanTime: scan.scannedAt,
    resources: scan.resources,
  });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, body, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return path;
}

function scannedAgain(region: string): string {
  return region === globalScope ? 'the buckets will be scanned again' : 'the region will be scanned again';
}

export async function readRegionScan(cacheDir: string, account: string, region: string): Promise<CacheRead> {
  const path = regionCachePath(cacheDir, account, region);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: 'missing', reason: code === 'ENOENT' ? `${path}: not cached yet` : `${path}: ${code}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 'corrupt', reason: `${path}: not valid JSON; ${scannedAgain(region)}` };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== scanCacheFormat) {
    return {
      status: 'old-format',
      reason: `${path}: cache format ${String(format)}, expected ${scanCacheFormat}; ${scannedAgain(region)}`,
    };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      status: 'corrupt',
      reason: `${path}: ${issue.path.join('.') || 'file'}: ${issue.message}; ${scannedAgain(region)}`,
    };
  }
  const f = parsed.data;
  if (f.account !== account || f.region !== region) {
    return {
      status: 'corrupt',
      reason: `${path}: holds ${f.account}/${f.region}; ${scannedAgain(region)}`,
    };
  }
  return { status: 'ok', scan: { account, region, scannedAt: f.scanTime, resources: f.resources } };
}

/** A cache file that is there but did not read: its scope (a region, or `global`) is to be scanned again. */
export interface UnreadScope {
  region: string;
  /** `<path>: <why>`, as a person reads it. */
  reason: string;
}

/** The accounts the cache has a folder for, sorted. */
export async function cachedAccounts(cacheDir: string): Promise<string[]> {
  const entries = await readdir(cacheDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** The scopes (regions, `global`) the cache has a file of for the account, sorted; none is read. */
export async function cachedScopes(cacheDir: string, account: string): Promise<string[]> {
  if (!nameRule.test(account)) return [];
  const names = await readdir(join(cacheDir, account)).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((scope) => nameRule.test(scope))
    .sort();
}

/** Every usable cached scan of the account, and why the others were passed over (`problems`: the reasons alone). */
export async function readAccountCache(
  cacheDir: string,
  account: string,
): Promise<{ scans: RegionScan[]; problems: string[]; unread: UnreadScope[] }> {
  checkName('account', account);
  const scans: RegionScan[] = [];
  const unread: UnreadScope[] = [];
  for (const region of await cachedScopes(cacheDir, account)) {
    const read = await readRegionScan(cacheDir, account, region);
    if (read.status === 'ok') scans.push(read.scan);
    else unread.push({ region, reason: read.reason });
  }
  return { scans, problems: unread.map((u) => u.reason), unread };
}
