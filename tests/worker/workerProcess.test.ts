import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  processAlive,
  startWorkerProcess,
  type WorkerProcess,
} from './workerProcess';

describe.skipIf(skipRedis)('infradeck worker processes on one Redis', () => {
  let entry: { file: string; remove: () => void };
  let prefix: string;
  let bus: Bus;
  let dir: string;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    entry = await buildWorkerEntry();
  });
  afterAll(() => entry?.remove());

  async function setup() {
    prefix = uniquePrefix('workers');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-workers-'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
  }

  afterEach(async () => {
    await killWorkerProcesses(processes);
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  function worker(...args: string[]): WorkerProcess {
    const p = startWorkerProcess(
      entry.file,
      ['--lock-ms', '1000', '--stalled-ms', '300', '--heartbeat-ms', '200', ...args],
      { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'worker-user' },
    );
    processes.push(p);
    return p;
  }

  async function online(p: WorkerProcess): Promise<string> {
    const found = await waitFor(
      `worker pid ${p.child.pid} online`,
      async () => (await bus.workers()).find((w) => w.pid === p.child.pid),
      15_000,
    );
    return found.id;
  }

  it('a job whose worker is killed with SIGKILL completes on another worker, exactly once', async () => {
    await setup();
    const rec = record(bus);
    const marker = join(dir, 'runs.txt');
    const a = worker('--concurrency', '1');
    const b = worker('--concurrency', '1');
    const ids = new Map([
      [await online(a), a],
      [await online(b), b],
    ]);
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: {
        program: 'echo "start $$" >> "$1"; sleep 3; echo "end $$" >> "$1"',
        args: [marker],
        shell: true,
      },
      requestedBy: alice,
    });
    const firstId = await waitFor('the job to start', () => {
      const started = rec.ofJob(id).find((e) => e.type === 'job.started');
      return started ? (started.data as { worker: string }).worker : undefined;
    });
    const first = ids.get(firstId)!;
    const secondId = [...ids.keys()].find((w) => w !== firstId)!;
    const firstRun = await waitFor('first run pid', () => {
      try {
        return Number(/start (\d+)/.exec(readFileSync(marker, 'utf8'))?.[1]) || undefined;
      } catch {
        return undefined;
      }
    });
    // Mid-job: the program has been running a while. (A worker killed right after the fork: tests/process.)
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const done = await waitForStatus(bus, id, 'completed', 20_000);
    expect(done.worker).toBe(secondId);
    expect(done.attempts).toBe(1);
    await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
    const types = rec.ofJob(id).map((e) => e.type);
    expect(types.filter((t) => t === 'job.completed')).toHaveLength(1);
    expect(types).toContain('job.stalled');
    const starts = rec.ofJob(id).filter((e) => e.type === 'job.started');
    expect(starts.map((e) => (e.data as { worker: string }).worker)).toEqual([firstId, secondId]);
    // The job's view tells both attempts: the first lost its worker, the second completed.
    expect(done.runs?.map((r) => [r.outcome, r.worker])).toEqual([
      ['lost', firstId],
      ['completed', secondId],
    ]);
    // The killed worker's command died with it (its spawner killed the process group): one run ended.
    const runs = readFileSync(marker, 'utf8').trim().split('\n');
    expect(runs.filter((l) => l.startsWith('start'))).toHaveLength(2);
    expect(runs.filter((l) => l.startsWith('end'))).toHaveLength(1);
    expect(runs).not.toContain(`end ${firstRun}`);
    expect(processAlive(firstRun)).toBe(false);
    // The other worker noticed the dead one's heartbeat stop and said so.
    await waitFor('worker.offline for the killed worker', () =>
      rec.events.some(
        (e) =>
          e.type === 'worker.offline' && (e.data as { worker: string; reason: string }).worker === firstId,
      ),
    );
    expect((await bus.workers()).map((w) => w.id)).toEqual([secondId]);
    rec.stop();
  });

  it('SIGTERM lets the running job finish, then the worker leaves and exits 0', async () => {
    await setup();
    const rec = record(bus);
    const p = worker('--concurrency', '1');
    const workerId = await online(p);
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'sleep 0.5; echo finished', shell: true },
      requestedBy: alice,
    });
    await waitForStatus(bus, id, 'active');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    const job = await bus.queue.get(id);
    expect(job?.status).toBe('completed');
    expect((await bus.queue.logs(id)).map((l) => l.text)).toEqual(['finished']);
    expect((await bus.workers()).map((w) => w.id)).not.toContain(workerId);
    await waitFor('worker.offline stopped', () =>
      rec.events.some(
        (e) => e.type === 'worker.offline' && (e.data as { reason: string }).reason === 'stopped',
      ),
    );
    expect(p.output()).toContain('SIGTERM: finishing running jobs');
    rec.stop();
  });

  it('SIGTERM hands a job longer than the grace period back to the queue and kills its processes', async () => {
    await setup();
    const p = worker('--concurrency', '1', '--grace', '0.3');
    await online(p);
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'echo $$; sleep 30', shell: true },
      requestedBy: alice,
    });
    const pid = await waitFor('pid', async () => Number((await bus.queue.logs(id))[0]?.text) || undefined);
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    const job = await bus.queue.get(id);
    expect(job?.status).toBe('queued');
    expect(job?.attempts).toBe(0);
    expect(job?.runs?.map((r) => r.outcome)).toEqual(['released']);
    await waitFor('the command to be gone', () => !processAlive(pid), 5000);
    // and the next worker runs it
    const next = worker('--concurrency', '1');
    await online(next);
    await waitForStatus(bus, id, 'active', 15_000);
    await bus.queue.cancel(id);
    await waitForStatus(bus, id, 'cancelled');
  });

  it('without REDIS_URL the worker refuses to start and says why', async () => {
    await setup();
    const p = startWorkerProcess(entry.file, [], { REDIS_URL: '' });
    processes.push(p);
    expect((await p.exited).code).toBe(2);
    expect(p.output()).toContain('REDIS_URL is not set');
  });
});
