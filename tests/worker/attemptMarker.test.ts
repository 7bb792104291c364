import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice, record, waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import {
  buildWorkerEntry,
  killWorkerProcesses,
  startWorkerProcess,
  type WorkerProcess,
} from './workerProcess';

/** A job's log after a worker was killed mid-job: both runs' output, and a line where the second begins. */
describe.skipIf(skipRedis)('a job taken over from a killed worker', () => {
  let entry: { file: string; remove: () => void };
  let prefix: string;
  let bus: Bus;
  let dir: string;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    entry = await buildWorkerEntry();
  });
  afterAll(() => entry?.remove());

  afterEach(async () => {
    await killWorkerProcesses(processes);
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  // A dead worker's job is taken over in about two seconds; a live one on a busy machine keeps its lock.
  function worker(): WorkerProcess {
    const p = startWorkerProcess(
      entry.file,
      ['--concurrency', '1', '--lock-ms', '2000', '--stalled-ms', '300', '--heartbeat-ms', '200'],
      { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'worker-user' },
    );
    processes.push(p);
    return p;
  }

  it('keeps the first run’s lines, marks where the second begins, and numbers every line apart', async () => {
    prefix = uniquePrefix('marker');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-marker-'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const a = worker();
    const b = worker();
    const pids = [a, b];
    await waitFor('two workers online', async () => (await bus.workers()).length === 2 || undefined, 40_000);
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'for i in 1 2 3; do echo "line $i"; sleep 0.3; done', shell: true },
      requestedBy: alice,
    });
    const firstWorker = await waitFor('the first line', () => {
      const line = rec.ofJob(id).find((e) => e.type === 'job.log');
      return line && 'worker' in line.source ? line.source.worker : undefined;
    });
    const first = pids.find((p) => firstWorker.endsWith(`:${p.child.pid}`))!;
    first.child.kill('SIGKILL');
    await first.exited;
    const done = await waitForStatus(bus, id, 'completed', 40_000);
    expect(done.runs?.map((r) => r.outcome)).toEqual(['lost', 'completed']);
    const second = done.runs![1].worker!;

    const logs = (await bus.queue.logs(id)).map((l) => l.text);
    const marker = logs.findIndex((t) => t.includes('attempt #2'));
    expect(marker).toBeGreaterThan(0);
    // What the first run printed before its worker died stays, in front of the marker.
    expect(logs.slice(0, marker)).toContain('line 1');
    expect(logs[marker]).toBe(
      `--- attempt #2 (try 1/1) on ${second}; #1 lost its worker (${firstWorker}) ---`,
    );
    expect(logs.slice(marker + 1)).toEqual(['line 1', 'line 2', 'line 3']);

    // A follower (`run --wait`) drops a line it has seen by its attempt and number: the second run's lines are
    // new lines, never taken for the first run's again.
    await waitFor('every line published', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
    const keys = rec
      .ofJob(id)
      .filter((e) => e.type === 'job.log')
      .map((e) => {
        const data = e.data as { attempt: number; seq: number };
        return `${data.attempt}/${data.seq}`;
      });
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(logs.length);
    rec.stop();
  }, 120_000);

  it('fails a job whose workers die twice, saying so in words, its last run lost (not failed)', async () => {
    prefix = uniquePrefix('marker');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-marker-'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const all = [worker(), worker(), worker()];
    await waitFor(
      'three workers online',
      async () => (await bus.workers()).length === 3 || undefined,
      40_000,
    );
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'echo go; sleep 30', shell: true },
      requestedBy: alice,
    });
    const killed: string[] = [];
    for (const n of [1, 2]) {
      const on = await waitFor(
        `run ${n} printing`,
        () => {
          const lines = rec.ofJob(id).filter((e) => e.type === 'job.log' && e.message === 'go');
          const line = lines[n - 1];
          return line && 'worker' in line.source ? line.source.worker : undefined;
        },
        40_000,
      );
      const p = all.find((w) => on.endsWith(`:${w.child.pid}`))!;
      p.child.kill('SIGKILL');
      await p.exited;
      killed.push(on);
    }
    const failed = await waitForStatus(bus, id, 'failed', 40_000);
    expect(failed.error).toBe(
      `its worker died while it ran, 2 times (last ${killed[1]}): not started again, in case the job is what kills its workers`,
    );
    expect(failed.runs?.map((r) => [r.outcome, r.worker])).toEqual([
      ['lost', killed[0]],
      ['lost', killed[1]],
    ]);
    const end = await waitFor('job.failed', () => rec.ofJob(id).find((e) => e.type === 'job.failed'));
    expect(end.message).toBe(`failed: ${failed.error}`);
    expect(
      rec
        .ofJob(id)
        .filter((e) => e.type === 'job.stalled')
        .map((e) => e.message),
    ).toEqual([
      `job ${id} lost its worker (no lock renewal); back in the queue`,
      `job ${id} lost its worker (no lock renewal) again: it fails, not started again`,
    ]);
    rec.stop();
  }, 120_000);
});
