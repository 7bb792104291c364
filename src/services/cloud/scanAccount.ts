import { globalScope, type RegionScan } from '../../domain/resource';
import { describeRegionError, errorMessage, isAbort, throwIfAborted } from './cloudError';
import type { CloudProvider } from './cloudProvider';
import { mapLimit } from './mapLimit';
import { writeRegionScan } from './scanCache';

export interface ScanProgress {
  /** Scopes finished (regions, and the bucket scan), failures included. */
  done: number;
  total: number;
}

export interface ScanAccountOptions {
  /** Regions to scan; all enabled regions when absent. */
  regions?: string[];
  /** Scan the account's buckets too, as the `global` scope (default true). */
  buckets?: boolean;
  /** Regions scanned at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  /** The account, when the caller already knows it; asked of the provider otherwise. */
  account?: string;
  /** Write each successful scan here (`<cacheDir>/<account>/<region>.json`) before reporting it. */
  cacheDir?: string;
  now?: () => number;
  /** Called the moment each scope finishes, failed ones included. */
  onRegion?: (scan: RegionScan, progress: ScanProgress) => void;
}

export interface AccountScan {
  account: string;
  /** Every scope in the order they finished; failed ones carry `error`. */
  scans: RegionScan[];
  failed: RegionScan[];
  /** Scopes scanned fine whose cache file could not be written. */
  cacheErrors: string[];
}

/**
 * Scans regions with bounded concurrency. A region that fails (not opted in, access denied, throttled past
 * the retries) becomes a scan with an error and the others go on; only a cancel stops the whole scan.
 */
export async function scanAccount(
  provider: CloudProvider,
  options: ScanAccountOptions = {},
): Promise<AccountScan> {
  const { signal, now = Date.now } = options;
  throwIfAborted(signal);
  // Asked together: on a far-away default region each is a full round trip before any region starts.
  const [account, regions] = await Promise.all([
    options.account ?? provider.identity(signal).then((id) => id.account),
    options.regions?.length ? [...new Set(options.regions)] : provider.listRegions(signal),
  ]);
  const scopes = options.buckets === false ? regions : [...regions, globalScope];
  const scans: RegionScan[] = [];
  const cacheErrors: string[] = [];
  let done = 0;

  await mapLimit(scopes, options.concurrency ?? 16, async (scope) => {
    if (signal?.aborted) return;
    let scan: RegionScan;
    try {
      const resources =
        scope === globalScope ? await provider.scanBuckets(signal) : await provider.scanRegion(scope, signal);
      scan = { account, region: scope, scannedAt: now(), resources };
    } catch (err) {
      if (isAbort(err) || signal?.aborted) return;
      const error = scope === globalScope ? `buckets: ${errorMessage(err)}` : describeRegionError(scope, err);
      scan = { account, region: scope, scannedAt: now(), resources: [], error };
    }
    if (options.cacheDir && !scan.error) {
      try {
        await writeRegionScan(options.cacheDir, scan);
      } catch (err) {
        // The scan itself is good: report it, and say the cache is behind.
        cacheErrors.push(`${scope}: scanned, but the cache could not be written: ${errorMessage(err)}`);
      }
    }
    done++;
    scans.push(scan);
    options.onRegion?.(scan, { done, total: scopes.length });
  });
  throwIfAborted(signal);
  return { account, scans, failed: scans.filter((s) => s.error), cacheErrors };
}
