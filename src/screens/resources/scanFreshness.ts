import { isStale, type RegionScan } from '../../domain/resource';
import { formatAgo } from '../../domain/text';
import { compareScopes } from './resourceOrder';

/**
 * The Resources header's word on the scans: `6 scopes scanned 3 min ago (STALE: us-east-1; failed: ap-south-1)`,
 * the regions in the table's order, not the order their scans came in.
 */
export function scanFreshness(
  scans: readonly RegionScan[],
  opening: boolean,
  now: number,
  staleMinutes: number,
): string {
  if (scans.length === 0) return opening ? 'opening the cloud…' : 'not scanned yet: s scans';
  const oldest = Math.min(...scans.map((s) => s.scannedAt));
  const regions = (which: (s: RegionScan) => boolean) =>
    scans
      .filter(which)
      .map((s) => s.region)
      .sort(compareScopes);
  const stale = regions((s) => isStale(s, now, staleMinutes * 60_000));
  const failed = regions((s) => Boolean(s.error));
  const notes = [
    stale.length ? `STALE: ${stale.join(', ')}` : '',
    failed.length ? `failed: ${failed.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `${scans.length} scopes scanned ${formatAgo(now - oldest)}${notes ? ` (${notes})` : ''}`;
}
