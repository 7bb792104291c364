import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCloudEvent, type ScanRegionEventData } from '../../src/domain/cloudJobs';
import { type Resource, ResourceIndex } from '../../src/domain/resource';
import { CloudError } from '../../src/services/cloud/cloudError';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { readAccountCache } from '../../src/services/cloud/scanCache';
import { waitFor } from '../bus/contractSuite';
import { type CloudJobSession, quick, startCloudJobs } from './cloudJobHarness';

/** A demo cloud whose regions finish only when the test opens them. */
class GatedCloud extends DemoCloud {
  private readonly gates = new Map<string, () => void>();
  override async scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]> {
    await new Promise<void>((resolve) => this.gates.set(region, resolve));
    return super.scanRegion(region, signal);
  }
  async open(region: string): Promise<void> {
    await waitFor(`${region} to be asked for`, () => this.gates.has(region));
    this.gates.get(region)!();
  }
}

describe('the scan job', () => {
  let s: CloudJobSession;
  afterEach(() => s?.close());

  it('fills the console region by region while the scan runs, with progress regions done of regions', async () => {
    const cloud = new GatedCloud({ ...quick, regions: 3 });
    s = startCloudJobs({ cloud });
    let index = ResourceIndex.empty();
    const unsubscribe = s.bus.events.subscribe('live', (e) => {
      index = applyCloudEvent(index, e, '000000000000');
    });
    const id = await s.run('scan', { buckets: false });

    await cloud.open('eu-west-1');
    await waitFor('eu-west-1 in the console', () => index.scan('eu-west-1'));
    expect((await s.bus.queue.get(id))?.status).toBe('active');
    expect(index.scans.map((x) => x.region)).toEqual(['eu-west-1']);
    expect(index.query({ region: 'eu-west-1' }).length).toBeGreaterThan(20);
    expect(index.query({ region: 'us-east-1' })).toEqual([]);
    const first = s.ofJob(id, 'scan.region')[0];
    expect(first.level).toBe('info');
    expect(first.data as ScanRegionEventData).toMatchObject({ cloud: 'demo', done: 1, total: 3 });
    expect(first.message).toMatch(/^eu-west-1: \d+ resources$/);

    await cloud.open('us-west-2');
    await waitFor('us-west-2 in the console', () => index.scan('us-west-2'));
    expect((await s.bus.queue.get(id))?.status).toBe('active');
    await cloud.open('us-east-1');
    const job = await s.finished(id);
    unsubscribe();

    expect(job.status).toBe('completed');
    expect([job.step, job.total]).toEqual([3, 3]);
    const regionEvents = s.ofJob(id, 'scan.region').map((e) => e.data as ScanRegionEventData);
    expect(regionEvents.map((d) => [d.scan.region, d.done, d.total])).toEqual([
      ['eu-west-1', 1, 3],
      ['us-west-2', 2, 3],
      ['us-east-1', 3, 3],
    ]);
    const progress = s.ofJob(id, 'job.progress').map((e) => e.data as { step: number; total: number });
    expect(progress.every((p) => p.total === 3)).toBe(true);
    expect(progress.at(-1)).toEqual({ step: 3, total: 3 });
    const steps = progress.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));

    const truth = cloud.snapshot().filter((r) => r.type !== 'bucket');
    expect(index.size).toBe(truth.length);
    const result = job.result as { regions: { region: string; resources: number }[]; resources: number };
    expect(result.resources).toBe(truth.length);
    expect(result.regions.map((r) => r.region)).toEqual(['eu-west-1', 'us-west-2', 'us-east-1']);
  });

  it('scans the buckets as one more step and writes every scope to the workspace cache', async () => {
    s = startCloudJobs();
    const id = await s.run('scan', {});
    const result = await s.result('scan', id);
    const job = await s.finished(id);
    expect([job.step, job.total]).toEqual([7, 7]);
    expect(result.regions.map((r) => r.region).sort()).toEqual([
      'ap-northeast-1',
      'ap-southeast-1',
      'eu-central-1',
      'eu-west-1',
      'global',
      'us-east-1',
      'us-west-2',
    ]);
    expect(result.failed).toEqual([]);
    expect(result.cacheDir).toBe(join(s.dataDir, '.cache'));
    expect(readdirSync(join(s.dataDir, '.cache', '000000000000')).sort()).toContain('global.json');

    // What a console that starts later reads before any event: the same resources the events carried.
    const cached = await readAccountCache(join(s.dataDir, '.cache'), '000000000000');
    expect(cached.problems).toEqual([]);
    const fromCache = ResourceIndex.fromScans(cached.scans);
    let fromEvents = ResourceIndex.empty();
    for (const e of s.events) fromEvents = applyCloudEvent(fromEvents, e);
    expect(fromCache.size).toBe(s.cloud.snapshot().length);
    expect(fromEvents.all.map((r) => `${r.region}/${r.id}`).sort()).toEqual(
      fromCache.all.map((r) => `${r.region}/${r.id}`).sort(),
    );
  });

  it('reports a region that is not opted in and scans the rest', async () => {
    s = startCloudJobs({
      cloud: new DemoCloud({ ...quick, regions: 3, faults: { failingRegions: ['me-south-1'] } }),
    });
    const id = await s.run('scan', {});
    const result = await s.result('scan', id);

    expect(result.failed).toEqual(['me-south-1']);
    const failed = result.regions.find((r) => r.region === 'me-south-1');
    expect(failed?.error).toMatch(/me-south-1: not opted in \(OptInRequired\)/);
    expect(result.regions.filter((r) => !r.error)).toHaveLength(4); // three regions and the buckets
    expect(result.resources).toBe(s.cloud.snapshot().length);

    const warn = s.ofJob(id, 'scan.region').filter((e) => e.level === 'warn');
    expect(warn).toHaveLength(1);
    expect((warn[0].data as ScanRegionEventData).scan).toMatchObject({ region: 'me-south-1', resources: [] });
    expect(await s.logs(id)).toContain(failed?.error);
    // A failed region is never cached: the last good scan stays.
    expect(existsSync(join(s.dataDir, '.cache', '000000000000', 'me-south-1.json'))).toBe(false);
  });

  it('scans only the regions asked for', async () => {
    s = startCloudJobs();
    const id = await s.run('scan', { regions: ['eu-west-1', 'us-east-1'], buckets: false });
    const result = await s.result('scan', id);
    expect(result.regions.map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const job = await s.finished(id);
    expect([job.step, job.total]).toEqual([2, 2]);
  });

  it('fails when no region at all can be scanned', async () => {
    s = startCloudJobs({ policies: { scan: { attempts: 1 } } });
    const id = await s.run('scan', { regions: ['xx-nowhere-1'], buckets: false });
    const job = await s.finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^no region could be scanned: xx-nowhere-1: InvalidRegion/);
  });

  it('refuses a scan queued for another account, before reading anything', async () => {
    s = startCloudJobs({ policies: { scan: { attempts: 1 } } });
    const id = await s.run('scan', { account: '123456789012' });
    const job = await s.finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      /^refused: scan: queued for account 123456789012, but this worker acts on the DEMO cloud/,
    );
    expect(s.ofJob(id, 'scan.region')).toEqual([]);
  });

  it('refuses a payload it does not understand at enqueue, saying where', async () => {
    s = startCloudJobs();
    await expect(s.run('scan', { regions: ['eu west 1'] })).rejects.toThrow(
      /scan payload: regions\.0: not a region name/,
    );
  });

  it('fails at once, saying why, when the endpoint cannot be reached (retrying a moment later cannot help)', async () => {
    class Unreachable extends DemoCloud {
      override async identity(): Promise<never> {
        throw new CloudError(
          'EndpointUnreachable',
          'Cannot reach http://127.0.0.1:9 (ECONNREFUSED): check the network or the endpoint',
          { permanent: true },
        );
      }
      override async listRegions(): Promise<never> {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      }
    }
    s = startCloudJobs({ cloud: new Unreachable(quick) });
    const job = await s.finished(await s.run('scan', { buckets: false }));
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toBe(
      'Cannot reach http://127.0.0.1:9 (ECONNREFUSED): check the network or the endpoint',
    );
  });
});
