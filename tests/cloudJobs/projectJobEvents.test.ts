import { afterEach, describe, expect, it } from 'vitest';
import { applyCloudEvent } from '../../src/domain/cloudJobs';
import type { DeckEvent } from '../../src/domain/event';
import { globalScope, type Resource, ResourceIndex, resourceKey } from '../../src/domain/resource';
import { createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import type { CloudProvider } from '../../src/services/cloud/cloudProvider';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { readRegionScan } from '../../src/services/cloud/scanCache';
import { workspacePaths } from '../../src/services/storage/workspace';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, record, waitFor } from '../bus/contractSuite';
import { startFakeAws } from '../harness/fakeAws/fakeAws';
import { deployPayload, shopBlueprint, tempDataDir } from '../projects/helpers';

// Issue 11 §13: a deploy tells every console what it makes as it makes it, with the state the cloud reads back
// (servers pending, then running), and a destroy what it removes; the cached scans follow, so a console started
// later agrees.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The in-process worker on the memory bus, acting on `cloud`, every event recorded from the start. */
function jobsOn(cloud: CloudProvider) {
  const data = tempDataDir();
  const bus = openMemoryBus({
    requester: alice,
    handlers: jobHandlersFor({ cloud: async () => cloud, dataDir: data.dir, pollMs: 5 }),
    policies: { deploy: { attempts: 1 }, destroy: { attempts: 1 } } as never,
  });
  const rec = record(bus);
  cleanups.push(async () => {
    rec.stop();
    await bus.close();
    data.remove();
  });
  const run = async (kind: 'scan' | 'deploy' | 'destroy', payload: unknown): Promise<string> => {
    const id = await bus.queue.enqueue({ kind, payload, requestedBy: alice } as never);
    const job = await waitFor(
      `${kind} ${id}`,
      async () => {
        const j = await bus.queue.get(id);
        return j && ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      30_000,
    );
    if (job.status !== 'completed') throw new Error(`${kind} ${id} ${job.status}: ${job.error}`);
    return id;
  };
  return { dataDir: data.dir, events: rec.events, run };
}

/** The console's resource index after `events`, folded by the console's own reducer. */
function indexAfter(events: readonly DeckEvent[], account: string): ResourceIndex {
  return events.reduce((index, e) => applyCloudEvent(index, e, account), ResourceIndex.empty());
}

/** The events up to (not including) the job's completion: what a console had while the job ran. */
function whileRunning(events: readonly DeckEvent[], jobId: string): DeckEvent[] {
  const end = events.findIndex((e) => e.jobId === jobId && e.type === 'job.completed');
  expect(end).toBeGreaterThan(0);
  return events.slice(0, end);
}

const shopOf = (index: ResourceIndex) => index.all.filter((r) => r.project === 'shop' && r.type !== 'volume');
const live = (list: readonly Resource[]) =>
  list.filter((r) => r.state !== 'terminated' && r.state !== 'shutting-down');
const byKey = (list: readonly Resource[]) =>
  Object.fromEntries(list.map((r) => [resourceKey(r), r.state ?? '']));

/** Each instance's states as the deploy's events told them, in order. */
function instanceStates(events: readonly DeckEvent[], jobId: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const e of events) {
    if (e.jobId !== jobId || e.type !== 'resource.changed') continue;
    for (const c of (e.data as { changes: { kind: string; resource?: Resource }[] }).changes) {
      if (c.kind !== 'upsert' || c.resource?.type !== 'instance') continue;
      const list = seen.get(c.resource.id) ?? [];
      if (list.at(-1) !== c.resource.state) list.push(c.resource.state ?? '?');
      seen.set(c.resource.id, list);
    }
  }
  return seen;
}

describe('a deploy and a destroy keep every console’s resource index current', () => {
  it('on the DEMO cloud: each resource as it is made, servers pending then running; the destroy removes them', async () => {
    // Servers take 300 ms to start: long enough to be seen pending.
    const cloud = new DemoCloud({ regions: ['eu-west-1'], latencyScale: 0.02, transitionMs: 300 });
    const { account } = await cloud.identity();
    const jobs = jobsOn(cloud);
    await jobs.run('scan', { account });
    const deployId = await jobs.run('deploy', deployPayload(shopBlueprint()));

    const during = whileRunning(jobs.events, deployId);
    const index = indexAfter(during, account);
    const shop = shopOf(index);
    const inCloud = cloud.snapshot().filter((r) => r.project === 'shop' && r.type !== 'volume');
    // Everything the deploy made is in the index before the job ends, in the state the cloud has it.
    expect(shop).toHaveLength(13);
    expect(byKey(shop)).toEqual(byKey(inCloud));
    const servers = shop.filter((r) => r.type === 'instance');
    expect(servers.map((r) => r.state)).toEqual(['running', 'running', 'running']);
    // Told as it went: the first change long before the deploy's last step, and each server pending, then running.
    const first = during.findIndex((e) => e.jobId === deployId && e.type === 'resource.changed');
    const lastStep = during.findLastIndex((e) => e.jobId === deployId && e.type === 'job.progress');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(lastStep);
    for (const states of instanceStates(during, deployId).values())
      expect(states).toEqual(['pending', 'running']);

    // The cached scan of the region has them too (a console started now reads it).
    const cached = await readRegionScan(workspacePaths(jobs.dataDir).cacheDir, account, 'eu-west-1');
    if (cached.status !== 'ok') throw new Error(`no cached scan: ${cached.status}`);
    const cachedShop = cached.scan.resources.filter((r) => r.project === 'shop' && r.type !== 'volume');
    expect(byKey(cachedShop.filter((r) => r.type !== 'bucket'))).toEqual(
      byKey(shop.filter((r) => r.type !== 'bucket')),
    );

    const destroyId = await jobs.run('destroy', { project: 'shop' });
    const after = indexAfter(whileRunning(jobs.events, destroyId), account);
    expect(live(shopOf(after))).toEqual([]);
    expect(shopOf(after).map((r) => r.state)).toEqual(['terminated', 'terminated', 'terminated']);
    const cachedAfter = await readRegionScan(workspacePaths(jobs.dataDir).cacheDir, account, 'eu-west-1');
    if (cachedAfter.status !== 'ok') throw new Error(`no cached scan: ${cachedAfter.status}`);
    expect(
      live(cachedAfter.scan.resources.filter((r) => r.project === 'shop' && r.type !== 'volume')),
    ).toEqual([]);
    // The bucket is kept with the buckets (the global scope), not its region: gone from there too (it came back
    // on the next start, the global scan never rewritten).
    const buckets = await readRegionScan(workspacePaths(jobs.dataDir).cacheDir, account, globalScope);
    if (buckets.status !== 'ok') throw new Error(`no cached bucket scan: ${buckets.status}`);
    expect(buckets.scan.resources.filter((r) => r.project === 'shop')).toEqual([]);
  });

  it('over the AWS API (an AWS-compatible endpoint): the VPC read back available, the servers running', async () => {
    const fake = await startFakeAws({ account: '123456789012', regions: ['eu-west-1'] });
    const home = tempDataDir();
    const clients = await createAwsClients({
      region: 'eu-west-1',
      maxAttempts: 2,
      env: { HOME: home.dir, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: await fake.endpoint('test') },
      credentials: async () => ({ accessKeyId: 'AKIDPROJECTEVENTS', secretAccessKey: 'x' }),
    });
    cleanups.push(async () => {
      clients.destroy();
      await fake.close();
      home.remove();
    });
    const aws = new AwsProvider(clients, { pollMs: 5 });
    const jobs = jobsOn(aws);
    const deployId = await jobs.run('deploy', deployPayload(shopBlueprint()));

    const shop = shopOf(indexAfter(whileRunning(jobs.events, deployId), '123456789012'));
    const made = fake
      .resources()
      .filter((r) => r.tags['infradeck:project'] === 'shop' && r.type !== 'volume');
    expect(shop).toHaveLength(13);
    expect(new Set(shop.map((r) => r.id))).toEqual(new Set(made.map((r) => r.id)));
    // EC2 answers CreateVpc with a pending VPC; the read-back at the end of the deploy says what it is now.
    expect(shop.find((r) => r.type === 'vpc')?.state).toBe('available');
    expect(shop.filter((r) => r.type === 'instance').map((r) => r.state)).toEqual([
      'running',
      'running',
      'running',
    ]);
    for (const states of instanceStates(jobs.events, deployId).values())
      expect(states).toEqual(['pending', 'running']);

    const destroyId = await jobs.run('destroy', { project: 'shop' });
    expect(live(shopOf(indexAfter(whileRunning(jobs.events, destroyId), '123456789012')))).toEqual([]);
  });
});
