import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/commands/plan';
import { logicalIdTag } from '../../src/domain/desiredResources';
import { deployPayloadFor } from '../../src/domain/projectPayloads';
import type { Resource } from '../../src/domain/resource';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { demoWorldKeys } from '../../src/services/cloud/demoWorldStore';
import { loadProjects } from '../../src/services/projects/loadProjects';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import {
  buildWorkerEntry,
  quickWorkerArgs,
  startWorkerProcess,
  type WorkerProcess,
} from '../worker/workerProcess';

const prefix = uniquePrefix('demoworkers');
let dir: string;
let entry: { file: string; remove: () => void };
let bus: Bus;
let redis: Redis;
const workers: WorkerProcess[] = [];

/** A process without AWS credentials (so: the DEMO cloud, with its real latencies), on the test's Redis prefix. */
const env = (home: string): NodeJS.ProcessEnv => ({
  HOME: home,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: join(home, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  INFRADECK_READONLY: '',
  REDIS_URL: redisUrl,
  INFRADECK_REDIS_PREFIX: prefix,
});

beforeAll(async () => {
  if (skipRedis) return;
  dir = mkdtempSync(join(tmpdir(), 'infradeck-demoworkers-'));
  mkdirSync(join(dir, 'projects'));
  copyFileSync(join(import.meta.dirname, '../../data/projects/shop.yaml'), join(dir, 'projects/shop.yaml'));
  // The real CLI, from the sources: `infradeck worker --data …`.
  entry = await buildWorkerEntry('src/cli.ts');
  bus = await openBus({ redisUrl, prefix, requester: { user: 'ada', host: 'console' } });
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  if (skipRedis) return;
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await bus.close();
  await redis.quit();
  await deletePrefix(prefix);
  entry.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The shop's resources in the shared DEMO world, as Redis holds it now, its bucket included once tagged. */
async function shopInWorld(): Promise<Resource[]> {
  const json = await redis.get(demoWorldKeys(prefix).world);
  if (!json) return [];
  const world = JSON.parse(json) as {
    regions: [string, Resource[]][];
    buckets: [string, { resource: Resource }][];
  };
  return [...world.regions.flatMap(([, rs]) => rs), ...world.buckets.map(([, b]) => b.resource)].filter(
    (r) => r.tags['infradeck:project'] === 'shop' && r.state !== 'terminated',
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skipRedis)('a deploy on the DEMO cloud by infradeck workers on Redis', () => {
  it('a worker killed mid-deploy leaves the rest to another, in one DEMO world: each resource once, and the plan after it is empty', {
    timeout: 90_000,
  }, async () => {
    const start = () => {
      const w = startWorkerProcess(entry.file, quickWorkerArgs(dir), env(dir));
      workers.push(w);
      return w;
    };
    const first = start();
    await until(() => /worker \S+ on redis/.test(first.output()), 'the first worker');

    const [project] = await loadProjects(dir);
    const id = await bus.queue.enqueue({
      kind: 'deploy',
      payload: deployPayloadFor(project)!,
      requestedBy: { user: 'ada', host: 'console' },
    });

    // Killed once it has made part of the project, in the world every process shares. Not before its bucket is
    // tagged: a deploy killed between the bucket's create and its record is a gap of the deployer, not of
    // this world (deployProject.ts clears the bucket's pending name and records it in two writes).
    await until(async () => {
      const made = await shopInWorld();
      return made.length >= 3 && made.some((r) => r.type === 'bucket');
    }, 'the first worker to make three resources and tag its bucket');
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await bus.queue.get(id))?.status).not.toBe('completed');

    const second = start();
    await until(
      async () => (await bus.queue.get(id))?.status === 'completed',
      'the deploy to complete on the second worker',
      60_000,
    ).catch(async (error) => {
      const job = await bus.queue.get(id);
      throw new Error(
        `${error.message}: ${JSON.stringify({ status: job?.status, error: job?.error, runs: job?.runs })}\n${second.output()}`,
      );
    });
    const job = await bus.queue.get(id);
    expect(job?.worker).toMatch(new RegExp(`:${second.child.pid}$`));
    expect(job?.runs?.map((r) => r.outcome)).toEqual(['lost', 'completed']);

    // The second worker went on from what the first made: every logical resource of the blueprint exists once.
    const mine = (await shopInWorld()).filter((r) => r.type !== 'bucket');
    const count = new Map<string, number>();
    for (const r of mine) {
      const key = `${r.type} ${r.tags[logicalIdTag] ?? r.id}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    expect(count.get('instance instances:web')).toBe(2);
    expect(count.get('instance instances:db')).toBe(1);
    expect(
      [...count].filter(([key, n]) => !key.startsWith('instance ') && !key.startsWith('volume ') && n > 1),
    ).toEqual([]);
    const buckets = (JSON.parse((await redis.get(demoWorldKeys(prefix).world))!) as { buckets: [string][] })
      .buckets;
    expect(buckets.filter(([name]) => name === 'infradeck-demo-shop-images')).toHaveLength(1);

    // The state file names what exists, and nothing else.
    const state = JSON.parse(readFileSync(join(dir, 'state/shop.json'), 'utf8')) as {
      resources: { id: string }[];
    };
    const recorded = new Set(state.resources.map((r) => r.id));
    const made = mine.filter((r) => r.type !== 'volume' && !r.implicit);
    expect(made.filter((r) => !recorded.has(r.id)).map((r) => r.id)).toEqual([]);

    // Another process on the same Redis (a console, a command) plans against the same world: nothing to do.
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await planCommand(['shop', '--json'], {
      stdout,
      stderr,
      env: { ...env(dir), USER: 'ada' },
      workspace: { dataDir: dir },
    });
    expect(code, stderr.text).toBe(0);
    const plan = JSON.parse(stdout.text) as { summary: { create: number }; vanished: unknown[] };
    expect(plan.summary.create).toBe(0);
    expect(plan.vanished).toEqual([]);
  });
});
