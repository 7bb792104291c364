import { describe, expect, it } from 'vitest';
import { scanJob, scanPayloadSchema } from '../../src/domain/jobKinds/scan';

const account = '000000000000';

describe('a scan job payload', () => {
  it('may name no region, for the buckets alone, and says so', () => {
    const p = scanPayloadSchema.parse({ account, regions: [] });
    expect(p).toEqual({ account, regions: [], buckets: true });
    expect(scanJob.describe(p)).toBe('scan the buckets');
  });

  it('is refused when it names no region and no buckets: nothing to scan', () => {
    const r = scanPayloadSchema.safeParse({ account, regions: [], buckets: false });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['regions'],
      message: 'nothing to scan: no region and no buckets',
    });
  });

  it('scans every region when it names none at all', () => {
    expect(scanJob.describe(scanPayloadSchema.parse({ account }))).toBe('scan all regions');
  });
});
