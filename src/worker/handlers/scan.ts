import {
  accountRefusal,
  cloudEventTypes,
  type ScannedScope,
  type ScanRegionEventData,
  type ScanResult,
} from '../../domain/cloudJobs';
import { globalScope, type RegionScan } from '../../domain/resource';
import type { Handler } from '../../services/bus/contracts';
import { scanAccount } from '../../services/cloud/scanAccount';
import { allowConcurrentCalls, type CloudJobDeps, cacheDirOf } from './cloudJobContext';

function scopeLine(scan: RegionScan): string {
  if (scan.error) return scan.error;
  const n = scan.resources.length;
  const what = scan.region === globalScope ? 'buckets' : 'resources';
  return `${scan.region}: ${n} ${n === 1 ? what.slice(0, -1) : what}`;
}

/**
 * The `scan` job: every region (or the given ones) with bounded concurrency, and the buckets. Each scope is
 * published as a `scan.region` event the moment it finishes — that is how every console, on any host, fills
 * its Resources table region by region — and written to the worker's cache. A region that fails is reported
 * (a `warn` event, a line in the log) and the others go on; only when every scope fails does the job fail.
 * Progress: scopes done of scopes in all (regions, plus one for the buckets).
 */
export function scanHandler(deps: CloudJobDeps): Handler<'scan'> {
  return async (payload, ctx) => {
    allowConcurrentCalls(ctx);
    const cloud = await deps.cloud();
    // Asked together: on a far-away default region each is a full round trip before any region starts. When
    // both fail, the identity's error is the one that explains (credentials, an unreachable endpoint).
    const [who, listed] = await Promise.allSettled([
      cloud.identity(ctx.signal),
      payload.regions ? [...new Set(payload.regions)] : cloud.listRegions(ctx.signal),
    ]);
    if (who.status === 'rejected') throw who.reason;
    if (listed.status === 'rejected') throw listed.reason;
    const identity = who.value;
    const regions = listed.value;
    const refusal = accountRefusal('scan', payload.account, { account: identity.account, cloud: cloud.kind });
    if (refusal) throw refusal;
    const total = regions.length + (payload.buckets ? 1 : 0);
    const where =
      cloud.kind === 'demo' ? `the DEMO cloud (account ${identity.account})` : `account ${identity.account}`;
    await ctx.log(
      `scanning ${regions.length} region${regions.length === 1 ? '' : 's'}${payload.buckets ? ' and the buckets' : ''} of ${where} as ${identity.arn}`,
      'info',
    );
    ctx.progress(0, total, `scanning ${total} scopes`);

    const cacheDir = cacheDirOf(deps);
    const published: Promise<void>[] = [];
    const scan = await scanAccount(cloud, {
      regions,
      buckets: payload.buckets,
      account: identity.account,
      cacheDir,
      signal: ctx.signal,
      onRegion: (s, p) => {
        const line = scopeLine(s);
        ctx.progress(p.done, p.total, line);
        const data: ScanRegionEventData = { cloud: cloud.kind, scan: s, done: p.done, total: p.total };
        published.push(
          ctx.emit({
            level: s.error ? 'warn' : 'info',
            type: cloudEventTypes.scanRegion,
            message: line,
            data,
          }),
          ctx.log(line, s.error ? 'stderr' : 'stdout'),
        );
      },
    });
    await Promise.all(published);
    for (const e of scan.cacheErrors) await ctx.log(e, 'stderr');

    const scopes: ScannedScope[] = scan.scans.map((s) => ({
      region: s.region,
      resources: s.resources.length,
      scannedAt: s.scannedAt,
      ...(s.error ? { error: s.error } : {}),
    }));
    if (scan.scans.length > 0 && scan.failed.length === scan.scans.length) {
      throw new Error(
        `no region could be scanned: ${scan.failed
          .slice(0, 3)
          .map((s) => s.error)
          .join('; ')}${scan.failed.length > 3 ? ` (and ${scan.failed.length - 3} more)` : ''}`,
      );
    }
    const result: ScanResult = {
      account: scan.account,
      cloud: cloud.kind,
      regions: scopes,
      failed: scan.failed.map((s) => s.region),
      resources: scopes.reduce((n, s) => n + s.resources, 0),
      cacheErrors: scan.cacheErrors,
      ...(cacheDir ? { cacheDir } : {}),
    };
    await ctx.log(
      `scanned ${scopes.length - result.failed.length} of ${scopes.length} scopes: ${result.resources} resources` +
        (result.failed.length ? `; failed: ${result.failed.join(', ')}` : ''),
      'info',
    );
    return result;
  };
}
