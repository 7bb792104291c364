import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { childJobId } from '../../src/services/bus/jobIds';
import { openBus } from '../../src/services/bus/openBus';
import { flowNoteField } from '../../src/services/bus/redisFlowScripts';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath } from '../harness/cliProcess';
import {
  killWorkerProcesses,
  quickWorkerArgs,
  startWorkerProcess,
  type WorkerProcess,
} from '../worker/workerProcess';

interface RunJson {
  run: string;
  status: string;
  steps: Array<{ name: string; status: string; attempts: number; durationMs: number | null }>;
}

/** Two real `infradeck worker` processes (the built CLI) on one Redis run local pipelines started by the CLI. */
describe.skipIf(skipRedis)('local pipelines on two infradeck worker processes', () => {
  let dir: string;
  let dataDir: string;
  let marks: string;
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let bus: Bus | undefined;
  const processes: WorkerProcess[] = [];
  let runner: ChildProcess | undefined;

  afterEach(async () => {
    runner?.kill('SIGKILL');
    await killWorkerProcesses(processes);
    await bus?.close();
    bus = undefined;
    await deletePrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The pipeline's lines are made once the folder of the test (and so `marks`) exists. */
  async function setUp(label: string, pipelineLines: () => string[]): Promise<Map<WorkerProcess, string>> {
    prefix = uniquePrefix(label);
    dir = await mkdtemp(join(tmpdir(), `infradeck-${label}-`));
    dataDir = join(dir, 'data');
    marks = join(dir, 'marks');
    const pipeline = pipelineLines();
    mkdirSync(join(dataDir, 'pipelines'), { recursive: true });
    mkdirSync(marks);
    writeFileSync(join(dataDir, 'pipelines', 'build.yaml'), pipeline.join('\n'));
    env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'pipeline-user' };
    bus = await openBus({ redisUrl, prefix });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const ids = new Map<WorkerProcess, string>();
    for (let i = 0; i < 2; i++) {
      const p = startWorkerProcess(cliPath, quickWorkerArgs(dataDir), env);
      processes.push(p);
      const found = await waitFor(
        `worker ${p.child.pid} online`,
        async () => (await bus!.workers()).find((w) => w.pid === p.child.pid),
        20_000,
      );
      ids.set(p, found.id);
    }
    return ids;
  }

  /** `infradeck pipeline run build --wait --json`, started now; its exit code and output once it ends. */
  function startRun(): Promise<{ code: number | null; out: string; err: string }> {
    let out = '';
    let err = '';
    runner = spawn(
      process.execPath,
      [cliPath, '--data', dataDir, 'pipeline', 'run', 'build', '--wait', '--json'],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    runner.stdout?.on('data', (d) => {
      out += d;
    });
    runner.stderr?.on('data', (d) => {
      err += d;
    });
    return new Promise((resolve) => runner!.once('exit', (code) => resolve({ code, out, err })));
  }

  /** A step's shell line: a line in marks/NAME when it starts and when it ends. */
  const marked = (name: string, body: string) =>
    `echo start >> ${marks}/${name}; ${body}; echo end >> ${marks}/${name}`;
  const lines = (name: string) =>
    existsSync(join(marks, name)) ? readFileSync(join(marks, name), 'utf8') : '';

  /**
   * A pipeline of `slow` (3 s, `retry` attempts) then `after`, run by the CLI until `slow` runs: the run, the step, and
   * the worker process that runs it.
   */
  async function slowStepRunning(label: string, retry = 1) {
    const ids = await setUp(label, () => [
      'steps:',
      `  - { name: slow, shell: true, retry: ${retry}, run: '${marked('slow', 'sleep 3')}' }`,
      `  - { name: after, shell: true, needs: slow, run: '${marked('after', 'true')}' }`,
      '',
    ]);
    const ended = startRun();
    await waitFor('the slow step to run', () => lines('slow') === 'start\n', 30_000);
    const [run] = await bus!.queue.list({ kind: 'pipeline' });
    const slow = await bus!.queue.get(childJobId(run.id, 'slow'));
    const victim = [...ids].find(([, id]) => id === slow?.worker)?.[0];
    expect(victim, JSON.stringify(slow)).toBeDefined();
    return { ended, run, slow, victim, ids };
  }

  it('independent steps run in parallel on both workers', async () => {
    // Four steps that each wait for all four to have started: with two slots per worker they pass only when both
    // workers run two of them at once.
    const barrier = () =>
      `for i in $(seq 300); do [ $(ls ${marks} | wc -l) -ge 5 ] && exit 0; sleep 0.1; done; exit 1`;
    const ids = await setUp('pipeline-workers', () => [
      'steps:',
      `  - { name: checkout, shell: true, run: '${marked('checkout', 'true')}' }`,
      ...['w1', 'w2', 'w3', 'w4'].map(
        (n) => `  - { name: ${n}, shell: true, needs: checkout, run: '${marked(n, `(${barrier()})`)}' }`,
      ),
      `  - { name: done, shell: true, needs: [w1, w2, w3, w4], run: '${marked('done', 'true')}' }`,
      '',
    ]);
    const { code, out, err } = await startRun();
    expect(code, `${err}\n${out}`).toBe(0);
    const result = JSON.parse(out) as RunJson;
    expect(result.status).toBe('passed');
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual(
      ['checkout', 'w1', 'w2', 'w3', 'w4', 'done'].map((n) => [n, 'passed', 1]),
    );
    const workersOf = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map(async (n) => (await bus!.queue.get(childJobId(result.run, n)))?.worker),
    );
    expect(new Set(workersOf)).toEqual(new Set(ids.values()));
  }, 90_000);

  it('a worker SIGKILLed during a step: the step runs again on the other worker (retry: 2), the run completes once', async () => {
    const { ended, run, victim, ids } = await slowStepRunning('pipeline-kill', 2);
    victim!.child.kill('SIGKILL');
    expect((await victim!.exited).signal).toBe('SIGKILL');

    const { code, out, err } = await ended;
    expect(code, `${err}\n${out}`).toBe(0);
    const result = JSON.parse(out) as RunJson;
    expect(result.run).toBe(run.id);
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['slow', 'passed', 2],
      ['after', 'passed', 1],
    ]);
    const survivor = [...ids].find(([p]) => p !== victim)![1];
    const step = await bus!.queue.get(childJobId(run.id, 'slow'));
    expect(step?.runs?.map((r) => r.outcome)).toEqual(['lost', 'completed']);
    expect(step?.worker).toBe(survivor);
    // The killed worker's program was ended with it (no `end`); the step ran again to its end; `after` ran once.
    expect(lines('slow')).toBe('start\nstart\nend\n');
    expect(lines('after')).toBe('start\nend\n');
    const parent = await bus!.queue.get(run.id);
    expect(parent?.status).toBe('completed');
    expect(parent?.runs?.filter((r) => r.outcome === 'completed')).toHaveLength(1);
    const completions = (await bus!.events.recent(10_000)).filter(
      (e) => e.jobId === run.id && e.type === 'job.completed',
    );
    expect(completions).toHaveLength(1);
  }, 90_000);
  it('a worker SIGKILLed after its step passed and noted so on the run, before its end was stored: not run again; its dependents run once', async () => {
    const { ended, run, slow, victim } = await slowStepRunning('pipeline-kill-noted');
    // The state its worker leaves when it dies just after noting the pass (the program's exit 0) on the run.
    const redis = new Redis(redisUrl);
    const noted = { exitCode: 0, durationMs: 2900, lines: 0, starts: 1 };
    await redis.hset(`${prefix}:jobs:${run.id}`, flowNoteField('slow'), JSON.stringify(noted));
    redis.disconnect();
    victim!.child.kill('SIGKILL');

    const { code, out, err } = await ended;
    expect(code, `${err}\n${out}`).toBe(0);
    const result = JSON.parse(out) as RunJson;
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['slow', 'passed', 1],
      ['after', 'passed', 1],
    ]);
    const logs = (await bus!.queue.logs(childJobId(run.id, 'slow'))).map((l) => l.text);
    expect(logs).toContain(`it passed before its worker died (${slow?.worker}): not run again`);
    expect(lines('slow')).toBe('start\n');
    expect(lines('after')).toBe('start\nend\n');
  }, 90_000);

  it('a worker SIGKILLed during a step without retry: the step fails (its one attempt used), never runs twice', async () => {
    const { ended, run, victim } = await slowStepRunning('pipeline-kill-once');
    victim!.child.kill('SIGKILL');

    const { code, out, err } = await ended;
    expect(code, `${err}\n${out}`).toBe(1);
    const result = JSON.parse(out) as RunJson;
    expect(result.status).toBe('failed');
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['slow', 'failed', 1],
      ['after', 'skipped', 0],
    ]);
    // Nobody saw its program end: how long it ran is unknown, not the failing delivery's moment.
    expect(result.steps[0].durationMs).toBeNull();
    const step = await bus!.queue.get(childJobId(run.id, 'slow'));
    expect(step?.error).toMatch(/^its worker died while it ran \(.+\); 1 attempt used \(retry: 1\)$/);
    expect(step?.runs?.map((r) => r.outcome)).toEqual(['lost', 'failed']);
    expect(lines('slow')).toBe('start\n');
    expect(lines('after')).toBe('');
  }, 90_000);
});
