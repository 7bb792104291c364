import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobSpec, type JobSpec } from '../../src/domain/job';
import { type PipelinePayload, pipelineStepPayload } from '../../src/domain/jobKinds/pipeline';
import { signedMessage } from '../../src/domain/signature';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath } from '../harness/cliProcess';
import { quickWorkerArgs, startWorkerProcess, type WorkerProcess } from '../worker/workerProcess';
import { expectRefused } from './signedJobs';
import { pipelineSpec, signedSpec } from './signedSpecs';
import { makeKey, sshKeygenSignSync, type TestKey, writeAllowedSigners } from './signingKeys';

/**
 * A real `infradeck worker` (the built CLI) with `access.requireSignatures: true` and an allowed_signers giving
 * alice her key. Users are played through the environment, as tests may: `USER` names the requester and
 * `INFRADECK_SIGNING_KEY` the key that signs for them (both test-only; a real user signs with access.signingKey).
 */
describe.skipIf(skipRedis)('signed requests on a worker over Redis', () => {
  let dir: string;
  let dataDir: string;
  let configFile: string;
  let prefix: string;
  let bus: Bus;
  let redis: Redis;
  let worker: WorkerProcess | undefined;
  let alice: TestKey;
  let mallory: TestKey;
  const aliceAt = { user: 'alice', host: 'jump1' };

  beforeAll(async () => {
    prefix = uniquePrefix('signing');
    dir = await mkdtemp(join(tmpdir(), 'infradeck-signing-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    alice = makeKey(dir, 'alice');
    mallory = makeKey(dir, 'mallory');
    writeAllowedSigners(dataDir, [['alice', alice]]);
    // One schedule, whose ticks never come while the tests run (New Year's midnight): the ticks below are forged.
    writeFileSync(
      join(dataDir, 'schedules.yaml'),
      `schedules:\n  - name: yearly\n    cron: "0 0 1 1 *"\n    timezone: UTC\n    job:\n      run: [touch, ${join(dir, 'yearly')}]\n`,
    );
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, 'access:\n  requireSignatures: true\n');
    bus = await openBus({ redisUrl, prefix, requester: aliceAt });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
    if (worker) await worker.exited;
    await bus?.close();
    redis?.disconnect();
    await deletePrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });

  const startWorker = () =>
    startWorkerProcess(cliPath, ['--config', configFile, ...quickWorkerArgs(dataDir)], {
      ...env(),
      USER: 'worker',
    });

  const env = () => ({
    REDIS_URL: redisUrl,
    INFRADECK_REDIS_PREFIX: prefix,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  });

  /** A command spec signed by `key` for `who` as the console would sign it (on the checked payload). */
  function signed(key: TestKey, args: string[], opts: { at?: number; nonce?: string } = {}): JobSpec {
    const spec = { kind: 'command', payload: { program: 'echo', args }, requestedBy: aliceAt } as JobSpec;
    const check = checkJobSpec(spec);
    if (!check.ok) throw new Error(check.error);
    const at = opts.at ?? Date.now();
    const nonce = opts.nonce ?? randomBytes(16).toString('base64url');
    const message = signedMessage({
      kind: 'command',
      payload: check.spec.payload,
      requestedBy: aliceAt,
      at,
      nonce,
    });
    return {
      ...check.spec,
      signature: { principal: 'alice', at, nonce, sig: sshKeygenSignSync(key, message) },
    };
  }

  async function ended(id: string) {
    return waitFor(
      `job ${id} ends`,
      async () => {
        const view = await bus.queue.get(id);
        return view && (view.status === 'completed' || view.status === 'failed') ? view : undefined;
      },
      30_000,
    );
  }

  function cli(
    args: string[],
    extraEnv: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cliPath, '--data', dataDir, ...args], {
        env: { ...process.env, ...env(), ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('close', (code) => resolve({ code, out, err }));
    });
  }

  it('runs signed jobs; refuses unsigned, forged, tampered and replayed ones, with the reason, audited', async () => {
    // Queued before any worker runs, so the tampering below happens between enqueue and claim.
    const good = await bus.queue.enqueue(signed(alice, ['signed-ok']));
    const unsigned = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'echo', args: ['x'] },
      requestedBy: aliceAt,
    });
    const forged = await bus.queue.enqueue(signed(mallory, ['forged']));
    const tampered = await bus.queue.enqueue(signed(alice, ['harmless']));
    const stale = await bus.queue.enqueue(signed(alice, ['stale'], { at: Date.now() - 20 * 60_000 }));
    const hash = `${prefix}:jobs:${tampered}`;
    const data = JSON.parse((await redis.hget(hash, 'data')) ?? '{}');
    data.payload.args = ['rm', '-rf', '/srv'];
    await redis.hset(hash, 'data', JSON.stringify(data));

    worker = startWorker();

    expect(await ended(good)).toMatchObject({ status: 'completed', signature: { principal: 'alice' } });
    const refusals: Array<[string, RegExp]> = [
      [unsigned, /unsigned, and this worker requires signed requests/],
      [forged, /key SHA256:\S+ is not in \S+allowed_signers for "alice"/],
      [tampered, /does not match the request \(changed after signing\?\)/],
      [stale, /more than 5 min apart \(a replayed request\)/],
    ];
    for (const [id, why] of refusals) {
      const view = await ended(id);
      expect(view.status, `${id}: ${view.error}`).toBe('failed');
      expect(view.error).toMatch(/^refused: request signature: /);
      expect(view.error).toMatch(why);
      expect(view.attempts).toBe(1); // permanent: no retry of a refusal
    }

    // The good job's signed request copied into a new job: a fresh enqueue time, but its nonce is taken.
    const first = await bus.queue.get(good);
    const replay = await bus.queue.enqueue({
      kind: 'command',
      payload: first!.payload as JobSpec['payload'],
      requestedBy: aliceAt,
      signature: first!.signature,
    } as JobSpec);
    expect((await ended(replay)).error).toMatch(
      new RegExp(`nonce was already used by job ${good} \\(a replayed request\\)`),
    );

    for (const [id] of [...refusals, [replay]]) {
      // The worker writes a job's finish entry once BullMQ has moved it to failed: a moment after it shows so.
      const entry = await waitFor(`the finish audit entry of ${id}`, async () =>
        (await bus.audit.list({ limit: 200 })).find((e) => e.jobId === id && e.action === 'job.finish'),
      );
      expect(entry, `audit of ${id}`).toMatchObject({
        outcome: 'failed',
        who: aliceAt,
        reason: expect.stringMatching(/^refused: request signature:/),
      });
    }
  }, 90_000);

  it('the CLI signs with the user’s key: run --wait exits 0; with a key not in allowed_signers, exit 2', async () => {
    const ok = await cli(['run', '--wait', 'echo', 'from-cli'], {
      USER: 'alice',
      INFRADECK_SIGNING_KEY: alice.file,
    });
    expect(ok, ok.err).toMatchObject({ code: 0 });
    expect(ok.out).toContain('from-cli');
    const forged = await cli(['run', '--wait', 'echo', 'forged'], {
      USER: 'alice',
      INFRADECK_SIGNING_KEY: mallory.file,
    });
    expect(forged.code, forged.err).toBe(2);
    expect(forged.err + forged.out).toMatch(/is not in \S+allowed_signers for "alice"/);
  }, 60_000);

  it('runs the steps of a signed pipeline run; refuses forged children, for good, running nothing', async () => {
    worker ??= startWorker();
    const run = await bus.queue.enqueue(signedSpec(alice, pipelineSpec(dir)));
    const done = await ended(run);
    expect(done, `the signed run: ${done.error}`).toMatchObject({ status: 'completed' });
    const steps = (done.result as { steps: Array<{ name: string; status: string; jobId: string }> }).steps;
    expect(steps.map((st) => [st.name, st.status])).toEqual([
      ['build', 'passed'],
      ['test', 'passed'],
    ]);
    expect((await bus.queue.logs(steps[1].jobId)).map((l) => l.text)).toContain('test-ran');

    // Straight into BullMQ, as anyone who can write to Redis can: each child would touch a file if it ran.
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection, prefix });
    // A run whose first step touches the file, and that step as its child's payload.
    const touchingRun = (file: string, name = 'ci') => {
      const spec = pipelineSpec(dir, name);
      const run = spec.payload as PipelinePayload;
      run.steps[0] = { ...run.steps[0], program: 'touch', args: [join(dir, file)] };
      return { spec, step: pipelineStepPayload(run, run.steps[0]) };
    };
    const touching = (file: string) => touchingRun(file).step;
    const child = (payload: unknown, key: string) => ({ v: 1, payload, requestedBy: aliceAt, childKey: key });
    const parentRef = (id: string) => ({ parent: { id, queue: `${prefix}:jobs` } });
    let forged: Array<[string, string, RegExp]>;
    try {
      const sneaky = touchingRun('unsigned-parent', 'sneaky');
      const unsignedRun = (await queue.add('pipeline', { v: 1, ...sneaky.spec })).id!;
      forged = [
        [
          (await queue.add('pipelineStep', child(touching('orphan'), 'build'))).id!,
          'orphan',
          /child "build" with no parent job/,
        ],
        [
          (await queue.add('pipelineStep', child(touching('not-a-step'), 'build'), parentRef(run))).id!,
          'not-a-step',
          new RegExp(
            `child "build" of job ${run}: its payload is not the one its parent \\(pipeline ci: 2 steps\\)`,
          ),
        ],
        [
          (await queue.add('pipelineStep', child(sneaky.step, 'build'), parentRef(unsignedRun))).id!,
          'unsigned-parent',
          new RegExp(`its parent job ${unsignedRun} \\(pipeline asked by alice@jump1\\): unsigned`),
        ],
      ];
    } finally {
      await queue.close();
      connection.disconnect();
    }
    await expectRefused(bus, dir, forged, 30_000);
  }, 90_000);

  it("runs a tick that is its schedule's job in the worker's schedules.yaml; refuses forged ticks, running nothing", async () => {
    worker ??= startWorker();
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection, prefix });
    // Straight into BullMQ as a scheduler makes a tick: unsigned, asked by the schedule, naming it.
    const tick = (
      schedule: string,
      file: string,
      requestedBy = { user: `schedule:${schedule}`, host: 'jump1' },
    ) =>
      queue.add('command', {
        v: 1,
        payload: { program: 'touch', args: [join(dir, file)] },
        requestedBy,
        schedule: { name: schedule, tick: Date.now() },
      });
    let real: string;
    let forged: Array<[string, string, RegExp]>;
    try {
      real = (await tick('yearly', 'yearly')).id!;
      forged = [
        [
          (await tick('weekly', 'weekly')).id!,
          'weekly',
          /schedule "weekly", which this worker's schedules.yaml/,
        ],
        [(await tick('yearly', 'other')).id!, 'other', /schedule "yearly" whose job is not the one/],
        [(await tick('yearly', 'by-hand', aliceAt)).id!, 'by-hand', /must be asked by that schedule/],
      ];
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const ran = await ended(real);
    expect(ran, `the real tick: ${ran.error}`).toMatchObject({ status: 'completed' });
    expect(existsSync(join(dir, 'yearly'))).toBe(true);
    await expectRefused(bus, dir, forged, 30_000);
  }, 90_000);
});
