import { describe, expect, it } from 'vitest';
import type { RegionScan } from '../../src/domain/resource';
import { scanFreshness } from '../../src/screens/resources/scanFreshness';

const minute = 60_000;
const scan = (region: string, scannedAt: number, error?: string): RegionScan => ({
  account: '123456789012',
  region,
  scannedAt,
  resources: [],
  ...(error ? { error } : {}),
});

describe('the Resources header on its scans', () => {
  it('names stale and failed regions in the table’s order, whatever order their scans came in', () => {
    const now = 100 * minute;
    const scans = [
      scan('eu-west-1', now - 20 * minute),
      scan('global', now - 20 * minute),
      scan('us-east-1', now - 30 * minute),
      scan('ap-south-1', now - minute, 'AccessDenied'),
      scan('us-west-2', now - minute, 'timed out'),
    ];
    expect(scanFreshness(scans, false, now, 15)).toBe(
      '5 scopes scanned 30 min ago (STALE: us-east-1, eu-west-1, global; failed: us-west-2, ap-south-1)',
    );
    expect(scanFreshness([...scans].reverse(), false, now, 15)).toBe(scanFreshness(scans, false, now, 15));
  });

  it('says how to fill it before the first scan', () => {
    expect(scanFreshness([], false, 0, 15)).toBe('not scanned yet: s scans');
    expect(scanFreshness([], true, 0, 15)).toBe('opening the cloud…');
  });
});
