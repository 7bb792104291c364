import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalIdTag } from '../../src/domain/desiredResources';
import type { JobView } from '../../src/domain/job';
import type { DeployResult } from '../../src/domain/projectJobs';
import { deployPayloadFor, destroyPayloadFor } from '../../src/domain/projectPayloads';
import { type AwsClients, createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { loadProjects } from '../../src/services/projects/loadProjects';
import { planFromCloud } from '../../src/services/projects/planFromCloud';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { type FakeAws, type FakeAwsCall, startFakeAws } from '../harness/fakeAws/fakeAws';
import { buildWorkerEntry, startWorkerProcess, type WorkerProcess } from '../worker/workerProcess';

// Issue 9: whatever instant a worker dies, the next attempt finishes the deploy (or the destroy) exactly as the
// blueprint says. Two real worker processes on real Redis deploy `shop` through the real AWS provider against
// an AWS-compatible endpoint that, right after it carried out the k-th mutating call (for every k), SIGKILLs
// the worker that sent it and never answers. The other worker takes the job over.

const prefix = uniquePrefix('faults');
const project = 'shop';
let dir: string;
let entry: { file: string; remove: () => void };
let bus: Bus;
let fake: FakeAws;
let clients: AwsClients;
let cloud: AwsProvider;
const workers = new Map<string, WorkerProcess>();
let workerCount = 0;

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startWorker(): Promise<void> {
  const name = `w${++workerCount}`;
  const url = await fake.endpoint(name);
  const proc = startWorkerProcess(entry.file, [redisUrl, prefix, dir], {
    AWS_ENDPOINT_URL: url,
    AWS_ENDPOINT_URL_EC2: '',
    AWS_ENDPOINT_URL_S3: '',
    AWS_ENDPOINT_URL_STS: '',
    AWS_ENDPOINT_URL_SSM: '',
    AWS_ACCESS_KEY_ID: 'AKIDFAULTINJECTION',
    AWS_SECRET_ACCESS_KEY: 'fault-injection-secret',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    HOME: dir,
  });
  workers.set(name, proc);
  await until(() => proc.output().includes('worker ready'), `worker ${name}`);
}

/** Two workers, whatever the last trial killed. */
async function twoWorkers(): Promise<void> {
  while (workers.size < 2) await startWorker();
}

/** The endpoint SIGKILLs the caller of the k-th mutating call once it is carried out, and never answers it. */
function killAfter(k: number): { killed: () => FakeAwsCall | undefined; calls: () => FakeAwsCall[] } {
  const seen: FakeAwsCall[] = [];
  let killed: FakeAwsCall | undefined;
  fake.setAfterMutation(async (call) => {
    seen.push(call);
    if (seen.length !== k) return 'answer';
    killed = call;
    const w = workers.get(call.caller);
    workers.delete(call.caller);
    if (w) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    return 'drop';
  });
  return { killed: () => killed, calls: () => seen };
}

async function runJob(kind: 'deploy' | 'destroy'): Promise<JobView> {
  const [found] = (await loadProjects(dir)).filter((e) => e.name === project);
  const id =
    kind === 'deploy'
      ? await bus.queue.enqueue({
          kind,
          payload: deployPayloadFor(found)!,
          requestedBy: { user: 'ada', host: 'console' },
        })
      : await bus.queue.enqueue({
          kind,
          payload: destroyPayloadFor(found),
          requestedBy: { user: 'ada', host: 'console' },
        });
  return until(
    async () => {
      const job = await bus.queue.get(id);
      return job && ['completed', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    },
    `the ${kind} job`,
    90_000,
  );
}

function live() {
  return fake
    .resources()
    .filter(
      (r) =>
        (r.tags['infradeck:project'] === project || r.type === 'bucket') &&
        r.state !== 'terminated' &&
        r.state !== 'shutting-down',
    );
}

function stateFile(): { lifecycle: string; status: string; resources: { id: string }[]; pending: unknown[] } {
  return JSON.parse(readFileSync(join(dir, `state/${project}.json`), 'utf8'));
}

/** What `shop` asks for, exactly once each, recorded, in sync, with its bucket configured. */
async function expectAsTheBlueprintSays(): Promise<string[]> {
  const problems: string[] = [];
  const mine = live().filter((r) => !r.implicit && r.type !== 'volume');
  const count = new Map<string, number>();
  for (const r of mine) {
    const key = `${r.type} ${r.tags[logicalIdTag] ?? `(untagged ${r.id})`}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const want: Record<string, number> = {
    'vpc vpc': 1,
    'subnet subnet:public-a': 1,
    'subnet subnet:public-b': 1,
    'subnet subnet:private-a': 1,
    'internet-gateway internet-gateway': 1,
    'route-table route-table:public-a': 1,
    'route-table route-table:public-b': 1,
    'security-group security-group:web': 1,
    'security-group security-group:db': 1,
    'instance instances:web': 2,
    'instance instances:db': 1,
    'bucket bucket:infradeck-demo-shop-images': 1,
  };
  const seen = Object.fromEntries(count);
  if (JSON.stringify(Object.entries(seen).sort()) !== JSON.stringify(Object.entries(want).sort()))
    problems.push(`resources: ${JSON.stringify(seen)}`);
  const state = stateFile();
  const recorded = new Set(state.resources.map((r) => r.id));
  const unrecorded = mine.filter((r) => !recorded.has(r.id)).map((r) => r.id);
  if (unrecorded.length) problems.push(`not in the state file: ${unrecorded.join(', ')}`);
  const extra = [...recorded].filter((id) => !mine.some((r) => r.id === id));
  if (extra.length) problems.push(`in the state file but not made: ${extra.join(', ')}`);
  if (state.lifecycle !== 'provisioned' || state.status !== 'done' || state.pending.length)
    problems.push(`state ${state.lifecycle}/${state.status}, ${state.pending.length} pending`);
  const bucket = fake.bucket('infradeck-demo-shop-images');
  if (bucket?.versioning !== 'Enabled' || !bucket.encryption || !bucket.publicAccessBlock?.BlockPublicAcls)
    problems.push(`bucket settings: ${JSON.stringify(bucket)}`);
  const [found] = (await loadProjects(dir)).filter((e) => e.name === project);
  const plan = await planFromCloud(cloud, found);
  if (plan?.sync !== 'in sync' || plan.actions.length > 0)
    problems.push(`plan: ${plan?.sync}: ${plan?.actions.map((a) => `${a.kind} ${a.logicalId}`).join(', ')}`);
  return problems;
}

/** Nothing of the project left (terminated servers stay visible for a while, as on AWS). */
function expectNothingLeft(): string[] {
  const left = live().map((r) => `${r.type} ${r.id}`);
  const state = stateFile();
  return [
    ...(left.length ? [`left: ${left.join(', ')}`] : []),
    ...(state.lifecycle !== 'destroyed' || state.resources.length
      ? [`state ${state.lifecycle} with ${state.resources.length} resource(s)`]
      : []),
  ];
}

function newTrial(): void {
  fake.setAfterMutation(undefined);
  fake.reset();
  rmSync(join(dir, 'state'), { recursive: true, force: true });
}

beforeAll(async () => {
  if (skipRedis) return;
  dir = mkdtempSync(join(tmpdir(), 'infradeck-faults-'));
  mkdirSync(join(dir, 'projects'));
  copyFileSync(join(import.meta.dirname, '../../data/projects/shop.yaml'), join(dir, 'projects/shop.yaml'));
  fake = await startFakeAws({ account: '123456789012', regions: ['eu-west-1', 'us-east-1'] });
  entry = await buildWorkerEntry('tests/projects/fixtures/awsWorkerMain.ts');
  bus = await openBus({ redisUrl, prefix, requester: { user: 'ada', host: 'console' } });
  clients = await createAwsClients({
    region: 'eu-west-1',
    maxAttempts: 2,
    env: { HOME: dir, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: await fake.endpoint('test') },
    credentials: async () => ({ accessKeyId: 'AKIDFAULTINJECTION', secretAccessKey: 'x' }),
  });
  cloud = new AwsProvider(clients);
}, 60_000);

afterAll(async () => {
  if (skipRedis) return;
  for (const w of workers.values()) w.child.kill('SIGKILL');
  clients?.destroy();
  await bus?.close();
  await deletePrefix(prefix);
  await fake?.close();
  entry?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipRedis)('a worker killed right after each mutating AWS call', () => {
  it('deploy: after every kill point the other worker finishes the deploy exactly as the blueprint says', async () => {
    // A deploy nobody kills counts the mutating calls (and is itself checked).
    newTrial();
    await twoWorkers();
    const clean = killAfter(0);
    const first = await runJob('deploy');
    expect(first.status, first.error).toBe('completed');
    expect(await expectAsTheBlueprintSays()).toEqual([]);
    const total = clean.calls().length;
    expect(total).toBeGreaterThan(20);

    const failures: string[] = [];
    for (let k = 1; k <= total; k++) {
      newTrial();
      await twoWorkers();
      const trial = killAfter(k);
      const job = await runJob('deploy');
      const call = trial.killed();
      const at = `kill after call ${k} (${call ? `${call.action} ${call.target ?? ''}` : 'never reached'})`;
      if (!call) failures.push(`${at}: the deploy made fewer calls`);
      if (job.status !== 'completed') {
        failures.push(`${at}: job ${job.status}: ${job.error}`);
        continue;
      }
      for (const p of await expectAsTheBlueprintSays()) failures.push(`${at}: ${p}`);
      // Deploying again changes nothing.
      const again = killAfter(0);
      const second = await runJob('deploy');
      const made = (second.result as DeployResult | undefined)?.created ?? [];
      if (second.status !== 'completed' || made.length || again.calls().length)
        failures.push(
          `${at}: second deploy ${second.status}, created ${made.length}, calls ${again
            .calls()
            .map((c) => c.action)
            .join(' ')}`,
        );
      // And destroy leaves nothing.
      const gone = await runJob('destroy');
      if (gone.status !== 'completed') failures.push(`${at}: destroy ${gone.status}: ${gone.error}`);
      for (const p of expectNothingLeft()) failures.push(`${at}: after destroy: ${p}`);
    }
    console.log(`deploy of shop: ${total} mutating calls, ${total - failures.length} kill points survived`);
    expect(failures).toEqual([]);
  }, 900_000);

  it('destroy: after every kill point the other worker finishes the destroy and nothing is left', async () => {
    newTrial();
    await twoWorkers();
    expect((await runJob('deploy')).status).toBe('completed');
    const clean = killAfter(0);
    const before = fake.calls.length;
    const started = performance.now();
    const first = await runJob('destroy');
    const wall = performance.now() - started;
    expect(first.status, first.error).toBe('completed');
    expect(expectNothingLeft()).toEqual([]);
    const total = clean.calls().length;
    const calls = fake.calls.slice(before);
    const violations = calls.filter((c) => c.error === 'DependencyViolation').length;
    console.log(
      `destroy of shop: ${Math.round(wall)} ms, ${calls.length} AWS calls (${total} mutating), ` +
        `${violations} DependencyViolation`,
    );

    const failures: string[] = [];
    for (let k = 1; k <= total; k++) {
      newTrial();
      await twoWorkers();
      fake.setAfterMutation(undefined);
      const deployed = await runJob('deploy');
      if (deployed.status !== 'completed') {
        failures.push(`trial ${k}: the deploy before the destroy ${deployed.status}: ${deployed.error}`);
        continue;
      }
      const trial = killAfter(k);
      const job = await runJob('destroy');
      const call = trial.killed();
      const at = `kill after destroy call ${k} (${call ? `${call.action} ${call.target ?? ''}` : 'never reached'})`;
      if (job.status !== 'completed') failures.push(`${at}: job ${job.status}: ${job.error}`);
      for (const p of expectNothingLeft()) failures.push(`${at}: ${p}`);
    }
    console.log(`destroy of shop: ${total} mutating calls, kill points with a problem: ${failures.length}`);
    expect(failures).toEqual([]);
  }, 600_000);
});
