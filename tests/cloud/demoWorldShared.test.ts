import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { DemoCloud, type DemoCloudOptions } from '../../src/services/cloud/demoCloud';
import { demoWorldKeys, redisDemoWorld } from '../../src/services/cloud/demoWorldStore';
import { openCloud } from '../../src/services/cloud/openCloud';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { buildWorkerEntry, startWorkerProcess } from '../worker/workerProcess';

const quick: DemoCloudOptions = { seed: 7, regions: ['eu-west-1'], latencyScale: 0, transitionMs: 0 };
const region = 'eu-west-1';

/** Environment of a process with no AWS credentials, on Redis with `prefix`. */
function demoEnv(prefix: string | undefined): NodeJS.ProcessEnv {
  return {
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(prefix ? { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix } : {}),
  };
}

describe.skipIf(skipRedis)('the DEMO world of every process on one Redis prefix', () => {
  let prefix: string;
  let redis: Redis;
  const shared = (options: DemoCloudOptions = {}) =>
    new DemoCloud({ ...quick, ...options, sharedWorld: redisDemoWorld({ redisUrl, prefix }) });

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterAll(() => redis.quit());
  afterEach(async () => {
    await deletePrefix(prefix);
  });

  it('what one cloud creates and deletes, another on the prefix sees', async () => {
    prefix = uniquePrefix('demoworld');
    const deck = shared();
    const worker = shared();
    const vpc = await worker.createVpc(region, { cidr: '10.40.0.0/16', tags: { Name: 'shared-vpc' } });
    const subnet = await worker.createSubnet(region, { vpcId: vpc.id, cidr: '10.40.1.0/24', tags: {} });

    const seen = await deck.scanRegion(region);
    expect(seen.find((r) => r.id === vpc.id)?.name).toBe('shared-vpc');
    expect(seen.some((r) => r.id === subnet.id)).toBe(true);

    // And back: the console deletes, the worker finds nothing left.
    expect((await deck.deleteResource(subnet, { emptyBucket: false })).status).toBe('deleted');
    expect(await worker.findByTags(region, 'subnet', {})).not.toContainEqual(
      expect.objectContaining({ id: subnet.id }),
    );
    // A process opened later reads the same world, not its own seed; reading it writes nothing.
    const written = await redis.get(demoWorldKeys(prefix).version);
    const later = shared();
    const found = await later.findByTags(region, 'vpc', { Name: 'shared-vpc' });
    expect(found.map((r) => r.id)).toEqual([vpc.id]);
    await deck.scanRegion(region);
    expect(await redis.get(demoWorldKeys(prefix).version)).toBe(written);

    // Its keys deleted, the world starts again from its seed for every process, even those that held it.
    const { world, version } = demoWorldKeys(prefix);
    await redis.del(world, version);
    expect((await deck.scanRegion(region)).some((r) => r.id === vpc.id)).toBe(false);
    expect(await worker.findByTags(region, 'vpc', { Name: 'shared-vpc' })).toEqual([]);
  });

  it('creations made at the same time by two clouds are all kept, each id once', async () => {
    prefix = uniquePrefix('demoworld');
    const a = shared();
    const b = shared();
    const vpc = await a.createVpc(region, { cidr: '10.41.0.0/16', tags: {} });
    const make = (cloud: DemoCloud, from: number) =>
      Array.from({ length: 20 }, (_, i) =>
        cloud.createSecurityGroup(region, {
          vpcId: vpc.id,
          name: `sg-${from + i}`,
          description: 'made at once',
          tags: {},
        }),
      );
    const made = await Promise.all([...make(a, 0), ...make(b, 100)]);
    expect(new Set(made.map((g) => g.id)).size).toBe(40);

    const fresh = shared();
    await fresh.refresh();
    const names = fresh
      .snapshot()
      .filter((r: Resource) => r.type === 'security-group' && r.refs.vpc === vpc.id && !r.implicit)
      .map((r) => r.name)
      .sort();
    expect(names).toHaveLength(40);
    expect(new Set(names).size).toBe(40);
  });

  it('creations made at the same time by two processes are all kept', { timeout: 60_000 }, async () => {
    prefix = uniquePrefix('demoworld');
    const vpc = await shared().createVpc(region, { cidr: '10.46.0.0/16', tags: {} });
    const entry = await buildWorkerEntry('tests/cloud/fixtures/demoWorldCreate.ts');
    try {
      const runs = [0, 100].map((from) =>
        startWorkerProcess(entry.file, [vpc.id, String(from), '25'], demoEnv(prefix)),
      );
      const ids: string[] = [];
      for (const run of runs) {
        expect((await run.exited).code, run.output()).toBe(0);
        ids.push(...(JSON.parse(run.output()) as string[]));
      }
      expect(new Set(ids).size).toBe(50);
      const groups = await shared().findByTags(region, 'security-group', {});
      const inVpc = groups.filter((g) => g.refs.vpc === vpc.id && !g.implicit);
      expect(inVpc.map((g) => g.id).sort()).toEqual([...ids].sort());
    } finally {
      entry.remove();
    }
  });

  it('a server one process launched is running for another once its time has passed', async () => {
    prefix = uniquePrefix('demoworld');
    const a = shared({ transitionMs: 300 });
    const b = shared({ transitionMs: 300 });
    const vpc = await a.createVpc(region, { cidr: '10.42.0.0/16', tags: {} });
    const subnet = await a.createSubnet(region, { vpcId: vpc.id, cidr: '10.42.1.0/24', tags: {} });
    const image = await a.resolveImage(region, 'ssm:/aws/service/ami-amazon-linux-latest/al2023');
    const [server] = await a.runInstances(region, {
      imageId: image,
      instanceType: 't3.micro',
      count: 1,
      subnetId: subnet.id,
      securityGroupIds: [],
      clientToken: 'once',
      tags: {},
    });
    expect((await b.describeInstances(region, [server.id]))[0].state).toBe('pending');
    await b.waitInstanceState(region, server.id, 'running', { pollMs: 50, timeoutMs: 10_000 });
    expect((await a.describeInstances(region, [server.id]))[0].state).toBe('running');
  });

  it('a call whose world another process wrote meanwhile runs again on that world, and is kept once', async () => {
    prefix = uniquePrefix('demoworld');
    const keys = demoWorldKeys(prefix);
    await shared().createVpc(region, { cidr: '10.47.0.0/16', tags: { Name: 'first' } });
    let exports = 0;
    const cloud = new DemoCloud({
      ...quick,
      sharedWorld: (account) =>
        redisDemoWorld({ redisUrl, prefix })({
          importState: (json) => account.importState(json),
          exportState: () => {
            // Between this process's calls and its write (a lock run out while it was paused): another
            // process writes the world. Done synchronously, from another process, as nothing here can run.
            if (++exports === 1) {
              const script = `const { Redis } = await import('ioredis'); const r = new Redis(${JSON.stringify(redisUrl)}); await r.set(${JSON.stringify(keys.version)}, 'written-by-another-process'); r.disconnect();`;
              execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
            }
            return account.exportState();
          },
        }),
    });
    const subnet = await cloud.createSubnet(region, {
      vpcId: (await shared().findByTags(region, 'vpc', { Name: 'first' }))[0].id,
      cidr: '10.47.1.0/24',
      tags: { Name: 'once' },
    });
    expect(exports).toBe(2); // written over a version that had moved: refused, read again, run again
    const found = await shared().findByTags(region, 'subnet', { Name: 'once' });
    expect(found.map((r) => r.id)).toEqual([subnet.id]);
  });

  it('a lock left by a killed process only delays the next call until it runs out', async () => {
    prefix = uniquePrefix('demoworld');
    const cloud = shared();
    await redis.set(demoWorldKeys(prefix).lock, 'a-killed-process', 'PX', 400);
    const vpc = await cloud.createVpc(region, { cidr: '10.43.0.0/16', tags: {} });
    expect(await redis.exists(demoWorldKeys(prefix).lock)).toBe(0);
    expect(await redis.get(demoWorldKeys(prefix).world)).toContain(vpc.id);
  });

  it('opened with REDIS_URL, the DEMO cloud is the shared one; who we are is answered without Redis', async () => {
    prefix = uniquePrefix('demoworld');
    const first = await openCloud({ env: demoEnv(prefix), demoOptions: quick });
    expect(first.provider.kind).toBe('demo');
    expect(first.identity?.account).toBe('000000000000');
    await first.provider.listRegions();
    // Nothing of the world was read or written to say who we are (the console's first frame needs no more).
    expect(await redis.exists(demoWorldKeys(prefix).world)).toBe(0);

    const vpc = await first.provider.createVpc(region, { cidr: '10.44.0.0/16', tags: { Name: 'via-env' } });
    const second = await openCloud({ env: demoEnv(prefix), demoOptions: quick });
    expect((await second.provider.findByTags(region, 'vpc', { Name: 'via-env' })).map((r) => r.id)).toEqual([
      vpc.id,
    ]);
  });

  it('without REDIS_URL each process keeps its own DEMO world, and Redis is not touched', async () => {
    prefix = uniquePrefix('demoworld');
    const one = await openCloud({ env: demoEnv(undefined), demoOptions: quick });
    const two = await openCloud({ env: demoEnv(undefined), demoOptions: quick });
    await one.provider.createVpc(region, { cidr: '10.45.0.0/16', tags: { Name: 'alone' } });
    expect(await two.provider.findByTags(region, 'vpc', { Name: 'alone' })).toEqual([]);
    expect(await one.provider.findByTags(region, 'vpc', { Name: 'alone' })).toHaveLength(1);
  });

  it('a world that is not JSON fails the call with the keys to delete, not a stack trace', async () => {
    prefix = uniquePrefix('demoworld');
    const keys = demoWorldKeys(prefix);
    await redis.set(keys.world, '{broken');
    await redis.set(keys.version, '5');
    await expect(shared().scanBuckets()).rejects.toThrow(`delete the keys ${keys.world} and ${keys.version}`);
  });
});
