import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredResources, logicalIdTag } from '../../src/domain/desiredResources';
import type { DeployResult } from '../../src/domain/projectJobs';
import { deployPayloadFor } from '../../src/domain/projectPayloads';
import type { Resource } from '../../src/domain/resource';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { loadProjects } from '../../src/services/projects/loadProjects';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { buildWorkerEntry, startWorkerProcess, type WorkerProcess } from '../worker/workerProcess';

const prefix = uniquePrefix('deploykill');
let dir: string;
let entry: { file: string; remove: () => void };
let bus: Bus;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  if (skipRedis) return;
  dir = mkdtempSync(join(tmpdir(), 'infradeck-deploykill-'));
  mkdirSync(join(dir, 'projects'));
  copyFileSync(join(import.meta.dirname, '../../data/projects/shop.yaml'), join(dir, 'projects/shop.yaml'));
  writeFileSync(join(dir, 'cloud.json'), new DemoCloud({ seed: 7, regions: ['eu-west-1'] }).exportState());
  entry = await buildWorkerEntry('tests/projects/fixtures/deployWorkerMain.ts');
  bus = await openBus({ redisUrl, prefix, requester: { user: 'ada', host: 'console' } });
});

afterAll(async () => {
  if (skipRedis) return;
  for (const w of workers) w.child.kill('SIGKILL');
  await bus.close();
  await deletePrefix(prefix);
  entry.remove();
  rmSync(dir, { recursive: true, force: true });
});

const recorded = (): number => {
  try {
    const state = JSON.parse(readFileSync(join(dir, 'state/shop.json'), 'utf8')) as { resources?: unknown[] };
    return state.resources?.length ?? 0;
  } catch {
    return 0;
  }
};

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipRedis)('a worker killed in the middle of a deploy', () => {
  // Two worker processes, a stall to detect and servers to wait for: longer than the default test timeout.
  it('leaves the job to another worker, which finishes it with no duplicate and a complete state file', {
    timeout: 90_000,
  }, async () => {
    const args = [redisUrl, prefix, dir, join(dir, 'cloud.json')];
    const first = startWorkerProcess(entry.file, args, {});
    workers.push(first);
    await until(() => first.output().includes('worker ready'), 'the first worker');

    const [project] = await loadProjects(dir);
    const payload = deployPayloadFor(project);
    expect(payload).toBeDefined();
    const id = await bus.queue.enqueue({
      kind: 'deploy',
      payload: payload!,
      requestedBy: { user: 'ada', host: 'console' },
    });

    await until(() => recorded() >= 3, 'three resources recorded by the first worker');
    first.child.kill('SIGKILL');
    await first.exited;
    const createdBefore = recorded();

    const second = startWorkerProcess(entry.file, args, {});
    workers.push(second);
    await until(
      async () => (await bus.queue.get(id))?.status === 'completed',
      'the deploy to complete',
      60_000,
    );

    const job = await bus.queue.get(id);
    // A stalled job goes back to the queue without counting an attempt; the worker that finished it says who.
    expect(job?.worker).toMatch(new RegExp(`:${second.child.pid}$`));
    expect(createdBefore).toBeLessThan(recorded());

    // What the job reports covers the whole deploy, not only the attempt that finished it: one step per blueprint
    // resource, its progress at the end of them, and a plan line that says what the killed worker made.
    const steps = desiredResources(project.blueprint!).length;
    expect((job?.result as DeployResult | undefined)?.actions).toBe(steps);
    expect(job).toMatchObject({ step: steps, total: steps });
    const plans = (await bus.queue.logs(id)).filter((l) => l.text.startsWith('plan: ')).map((l) => l.text);
    expect(plans).toHaveLength(2);
    const [, unchanged, earlier] =
      /^plan: .*\b(\d+) unchanged \((\d+) made by an earlier attempt of deploy /.exec(plans[1]) ?? [];
    expect(Number(earlier), plans[1]).toBeGreaterThan(0);
    expect(Number(earlier)).toBe(Number(unchanged));

    // The shared demo world: every logical resource of the blueprint exists exactly once.
    const world = new DemoCloud({ seed: 7, regions: ['eu-west-1'] });
    world.importState(readFileSync(join(dir, 'cloud.json'), 'utf8'));
    const mine = world
      .snapshot()
      .filter((r: Resource) => r.tags['infradeck:project'] === 'shop' && r.state !== 'terminated');
    // Instances of one group share a logical id (web ×2, db ×1); every other resource has its own.
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
    // The state file names every resource the deploy made (root volumes and the VPC's implicit route table and
    // security group come with their owners), and nothing that does not exist.
    const state = JSON.parse(readFileSync(join(dir, 'state/shop.json'), 'utf8')) as {
      resources: { id: string }[];
    };
    const recordedIds = new Set(state.resources.map((r) => r.id));
    const made = mine.filter((r) => r.type !== 'volume' && !r.implicit);
    expect(made.filter((r) => !recordedIds.has(r.id)).map((r) => r.id)).toEqual([]);
    expect([...recordedIds].filter((id) => !mine.some((r) => r.id === id))).toEqual([]);
  });
});
