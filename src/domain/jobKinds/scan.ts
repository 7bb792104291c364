import * as z from 'zod';
import { scanRegionEvent } from './cloudEvents';
import { accountField, listIds, regionSchema, stringsOf } from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

export const scanPayloadSchema = z
  .object({
    /** Regions to scan; all regions enabled for the account when absent; none (`[]`) for the buckets alone. */
    regions: z.array(regionSchema).max(64).optional(),
    /** Scan the account's S3 buckets too (the `global` scope). */
    buckets: z.boolean().default(true),
    account: accountField,
  })
  .strict()
  .refine((p) => p.buckets || p.regions?.length !== 0, {
    path: ['regions'],
    message: 'nothing to scan: no region and no buckets',
  });

export type ScanPayload = z.output<typeof scanPayloadSchema>;

/** One scope of a scan as the job result lists it (the resources themselves went out as `scan.region`). */
export interface ScannedScope {
  /** A region, or `global` for the buckets. */
  region: string;
  resources: number;
  scannedAt: number;
  error?: string;
}

export interface ScanResult {
  account: string;
  cloud: 'aws' | 'demo';
  /** In the order they finished. */
  regions: ScannedScope[];
  /** Scopes that could not be scanned (their errors are in `regions`). */
  failed: string[];
  resources: number;
  /** Scopes scanned fine whose cache file could not be written. */
  cacheErrors: string[];
  /** Where the scans were written; absent when the worker has no workspace folder. */
  cacheDir?: string;
}

/** `scan`: read every region (or the given ones) and the buckets; each scope goes out as a `scan.region`. */
export const scanJob = declareJobKind({
  kind: 'scan',
  payload: scanPayloadSchema,
  result: carries<ScanResult>(),
  // A scan only reads: running it again is always safe.
  policy: { attempts: 3, backoffMs: 5_000, timeoutMs: 15 * 60_000 },
  // It only reads the cloud (it writes its own cache).
  changes: false,
  describe: (p) => {
    const regions = stringsOf(p.regions);
    if (Array.isArray(p.regions) && regions.length === 0) return 'scan the buckets';
    const where = regions.length ? listIds(regions, 4) : 'all regions';
    return `scan ${where}${p.buckets === false ? ' (no buckets)' : ''}`;
  },
  events: [scanRegionEvent],
});
