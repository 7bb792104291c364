import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegionScan } from '../../src/domain/resource';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { scanAccount } from '../../src/services/cloud/scanAccount';
import {
  readAccountCache,
  readRegionScan,
  regionCachePath,
  scanCacheFormat,
  writeRegionScan,
} from '../../src/services/cloud/scanCache';

const account = '123456789012';
const scan: RegionScan = {
  account,
  region: 'eu-west-1',
  scannedAt: 1_700_000_000_000,
  resources: [
    {
      type: 'vpc',
      id: 'vpc-1',
      region: 'eu-west-1',
      detail: '10.0.0.0/16',
      tags: { Name: 'main' },
      refs: {},
      name: 'main',
      raw: { CidrBlock: '10.0.0.0/16' },
    },
  ],
};

describe('scan cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-cache-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes cache/<account>/<region>.json with its scan time and format, and reads it back', async () => {
    const path = await writeRegionScan(dir, scan);
    expect(path).toBe(join(dir, account, 'eu-west-1.json'));
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json).toMatchObject({ format: scanCacheFormat, scanTime: scan.scannedAt, region: 'eu-west-1' });
    expect(await readRegionScan(dir, account, 'eu-west-1')).toEqual({ status: 'ok', scan });
    // Temp file renamed into place: nothing else left in the folder.
    expect(await readdir(join(dir, account))).toEqual(['eu-west-1.json']);
  });

  it('treats a missing, corrupt, truncated or old-format file as missing, and never throws', async () => {
    expect((await readRegionScan(dir, account, 'eu-west-1')).status).toBe('missing');
    await mkdir(join(dir, account), { recursive: true });
    const path = regionCachePath(dir, account, 'eu-west-1');

    await writeFile(path, '{"format":1,"account":"1234');
    expect(await readRegionScan(dir, account, 'eu-west-1')).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('not valid JSON; the region will be scanned again'),
    });

    await writeFile(
      path,
      JSON.stringify({ format: 0, account, region: 'eu-west-1', scannedAt: 1, resources: [] }),
    );
    expect(await readRegionScan(dir, account, 'eu-west-1')).toMatchObject({
      status: 'old-format',
      reason: expect.stringContaining(`cache format 0, expected ${scanCacheFormat}`),
    });

    const broken = {
      format: scanCacheFormat,
      account,
      region: 'eu-west-1',
      scanTime: 5,
      resources: [{ id: 'x' }],
    };
    await writeFile(path, JSON.stringify(broken));
    expect(await readRegionScan(dir, account, 'eu-west-1')).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('resources.0.type'),
    });

    await writeFile(path, 'null');
    expect((await readRegionScan(dir, account, 'eu-west-1')).status).toBe('old-format');
  });

  it('reads the usable regions of an account and says why it passed over the others', async () => {
    await writeRegionScan(dir, scan);
    await writeRegionScan(dir, { ...scan, region: 'global', resources: [] });
    await writeFile(join(dir, account, 'us-east-1.json'), 'garbage');
    await writeFile(join(dir, account, 'notes.txt'), 'not a cache file');

    const { scans, problems, unread } = await readAccountCache(dir, account);

    expect(scans.map((s) => s.region)).toEqual(['eu-west-1', 'global']);
    expect(problems).toEqual([expect.stringMatching(/us-east-1\.json: not valid JSON/)]);
    expect(unread).toEqual([{ region: 'us-east-1', reason: problems[0] }]);
    expect(await readAccountCache(dir, '999999999999')).toEqual({ scans: [], problems: [], unread: [] });
  });

  it('refuses names that would leave the cache folder, and does not cache a failed scan', async () => {
    expect(() => regionCachePath(dir, '../etc', 'eu-west-1')).toThrow(/not a safe file name/);
    expect(() => regionCachePath(dir, account, '../../x')).toThrow(/not a safe file name/);
    await expect(writeRegionScan(dir, { ...scan, error: 'eu-west-1: access denied' })).rejects.toThrow(
      /not cached/,
    );
  });

  it('a corrupt file is replaced by the next scan', async () => {
    const demo = new DemoCloud({ seed: 3, regions: 2, latencyScale: 0 });
    await mkdir(join(dir, '000000000000'), { recursive: true });
    await writeFile(join(dir, '000000000000', 'us-east-1.json'), '{{{');
    expect((await readRegionScan(dir, '000000000000', 'us-east-1')).status).toBe('corrupt');

    await scanAccount(demo, { cacheDir: dir });

    const read = await readRegionScan(dir, '000000000000', 'us-east-1');
    expect(read.status).toBe('ok');
    if (read.status === 'ok') expect(read.scan.resources.length).toBeGreaterThan(10);
    const cached = await readAccountCache(dir, '000000000000');
    expect(cached.scans.map((s) => s.region).sort()).toEqual(['global', 'us-east-1', 'us-west-2']);
  });
});
