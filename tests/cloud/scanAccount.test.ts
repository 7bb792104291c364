import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RegionScan, Resource } from '../../src/domain/resource';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { scanAccount } from '../../src/services/cloud/scanAccount';

/** A demo cloud whose regions finish exactly when the test says so. */
class GatedCloud extends DemoCloud {
  readonly gates = new Map<string, () => void>();
  inFlight = 0;
  maxInFlight = 0;
  override async scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        this.gates.set(region, resolve);
        signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      });
      return await super.scanRegion(region, signal);
    } finally {
      this.inFlight--;
    }
  }
  async open(region: string): Promise<void> {
    while (!this.gates.has(region)) await new Promise((r) => setTimeout(r, 1));
    this.gates.get(region)!();
  }
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 1));
};

describe('scanAccount', () => {
  it('reports each region the moment it finishes, in the order they finish', async () => {
    const cloud = new GatedCloud({ seed: 1, regions: 3, latencyScale: 0 });
    const seen: string[] = [];
    const running = scanAccount(cloud, {
      buckets: false,
      onRegion: (scan, p) => seen.push(`${scan.region} ${p.done}/${p.total}`),
    });

    await cloud.open('eu-west-1');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['eu-west-1 1/3']); // the other two are still running
    await cloud.open('us-east-1');
    await until(() => seen.length === 2);
    await cloud.open('us-west-2');
    const result = await running;

    expect(seen).toEqual(['eu-west-1 1/3', 'us-east-1 2/3', 'us-west-2 3/3']);
    expect(result.account).toBe('000000000000');
    expect(result.scans.map((s) => s.region)).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
  });

  it('never runs more regions at once than the concurrency allows', async () => {
    const cloud = new GatedCloud({ seed: 1, regions: 6, latencyScale: 0 });
    const running = scanAccount(cloud, { buckets: false, concurrency: 2 });
    const order = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1'];
    for (const region of order) await cloud.open(region);
    const result = await running;
    expect(result.scans).toHaveLength(6);
    expect(cloud.maxInFlight).toBe(2);
  });

  it('reports a failing region and throttling past the retries, and scans the rest', async () => {
    const cloud = new DemoCloud({
      seed: 5,
      regions: 3,
      latencyScale: 0,
      faults: { failingRegions: ['ap-east-1'], throttleCalls: 1000, throttleRegion: 'us-west-2' },
    });
    const result = await scanAccount(cloud, {});
    const errors = Object.fromEntries(result.scans.map((s) => [s.region, s.error]));
    expect(errors).toEqual({
      'us-east-1': undefined,
      'us-west-2': expect.stringMatching(
        /us-west-2: throttled by AWS even after retries \(RequestLimitExceeded\)/,
      ),
      'eu-west-1': undefined,
      'ap-east-1': expect.stringMatching(/ap-east-1: not opted in \(OptInRequired\)/),
      global: undefined,
    });
    expect(result.failed.map((s) => s.region).sort()).toEqual(['ap-east-1', 'us-west-2']);
  });

  it('writes each good region to the cache before reporting it, and not the failed ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infradeck-scan-'));
    try {
      const cloud = new DemoCloud({
        seed: 5,
        regions: 2,
        latencyScale: 0,
        faults: { failingRegions: ['ap-east-1'] },
      });
      const cachedWhenReported: string[] = [];
      await scanAccount(cloud, {
        cacheDir: dir,
        onRegion: (scan) => {
          const cached = existsSync(join(dir, '000000000000', `${scan.region}.json`));
          cachedWhenReported.push(`${scan.region} ${cached ? 'cached' : 'not cached'}`);
        },
      });
      expect(cachedWhenReported.sort()).toEqual([
        'ap-east-1 not cached',
        'global cached',
        'us-east-1 cached',
        'us-west-2 cached',
      ]);
      expect((await readdir(join(dir, '000000000000'))).sort()).toEqual([
        'global.json',
        'us-east-1.json',
        'us-west-2.json',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('scans only the regions asked for', async () => {
    const cloud = new DemoCloud({ seed: 5, regions: 6, latencyScale: 0 });
    const result = await scanAccount(cloud, {
      regions: ['eu-west-1', 'eu-west-1', 'us-east-1'],
      buckets: false,
    });
    expect(result.scans.map((s) => s.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('stops at a cancel: no more regions reported, and the scan rejects as aborted', async () => {
    const cloud = new GatedCloud({ seed: 1, regions: 3, latencyScale: 0 });
    const controller = new AbortController();
    const seen: RegionScan[] = [];
    const running = scanAccount(cloud, {
      buckets: false,
      signal: controller.signal,
      onRegion: (s) => seen.push(s),
    });
    await cloud.open('us-east-1');
    await until(() => seen.length === 1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.map((s) => s.region)).toEqual(['us-east-1']);
  });
});
