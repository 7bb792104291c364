import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import {
  buildWorkerEntry,
  killWorkerProcesses,
  startWorkerProcess,
  type WorkerProcess,
} from '../worker/workerProcess';
import { alice, type ParentResult, record, waitFor, waitForStatus } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

/** `start t1 4242 4250` / `end t1 4242`: what each child did, in which worker process (its pid), as which shell. */
function runsIn(dir: string): Array<{ phase: 'start' | 'end'; key: string; pid: number; shell: number }> {
  const file = join(dir, 'runs.txt');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [phase, key, pid, shell] = line.split(' ');
      return { phase: phase as 'start' | 'end', key, pid: Number(pid), shell: Number(shell) };
    });
}

/** The process is no more (or a zombie nobody reaped yet: it runs nothing). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

describe.skipIf(skipRedis)('parent jobs on worker processes that die', () => {
  let entry: { file: string; remove: () => void };
  let prefix: string;
  let bus: Bus;
  let dir: string;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    entry = await buildWorkerEntry('tests/bus/fixtures/flowWorkerMain.ts');
  });
  afterAll(() => entry?.remove());

  afterEach(async () => {
    await killWorkerProcesses(processes);
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  function worker(): WorkerProcess {
    const p = startWorkerProcess(entry.file, [redisUrl, prefix], {});
    processes.push(p);
    return p;
  }

  it('a worker SIGKILLed while the parent waits and its children run: no child is lost or ends twice, the parent completes on the other', async () => {
    prefix = uniquePrefix('flow-kill');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-flow-'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const a = worker();
    const b = worker();
    const byId = new Map<string, WorkerProcess>();
    for (const p of [a, b]) {
      const found = await waitFor(
        `worker pid ${p.child.pid} online`,
        async () => (await bus.workers()).find((w) => w.pid === p.child.pid),
        15_000,
      );
      byId.set(found.id, p);
    }

    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: ['files', dir, '4'] },
      requestedBy: alice,
    });
    // Two slots per worker and the waiting parent holds none: all four children run at once, two on each.
    await waitForStatus(bus, id, 'waiting', 15_000);
    await waitFor('four children running', () => runsIn(dir).filter((r) => r.phase === 'start').length === 4);
    const parentWorker = (rec.ofJob(id).find((e) => e.type === 'job.started')!.data as { worker: string })
      .worker;
    const victim = byId.get(parentWorker)!;
    const survivor = victim === a ? b : a;
    const started = runsIn(dir);
    const onSurvivor = started.filter((r) => r.pid === survivor.child.pid).map((r) => r.key);
    const onVictim = started.filter((r) => r.pid === victim.child.pid).map((r) => r.key);
    expect([onSurvivor.length, onVictim.length]).toEqual([2, 2]);

    // The survivor's children end; then the parent's worker dies with two children running.
    for (const key of onSurvivor) writeFileSync(join(dir, `go-${key}`), '');
    await waitFor(
      'the survivor’s children to end',
      () => runsIn(dir).filter((r) => r.phase === 'end').length === 2,
    );
    victim.child.kill('SIGKILL');
    await victim.exited;
    // Its spawner ends its programs when it sees the worker go; let them end only after, or one could end between.
    const victimShells = started.filter((r) => r.pid === victim.child.pid).map((r) => r.shell);
    await waitFor('the killed worker’s programs to be ended', () => victimShells.every(gone));
    for (const key of onVictim) writeFileSync(join(dir, `go-${key}`), '');

    const done = await waitForStatus(bus, id, 'completed', 30_000);
    const result = done.result as ParentResult;
    expect(result.children.map((c) => [c.id, c.status])).toEqual(
      ['t1', 't2', 't3', 't4'].map((k) => [`${id}.${k}`, 'completed']),
    );
    expect(done.worker).toBe([...byId].find(([, p]) => p === survivor)![0]);
    const runs = runsIn(dir);
    for (const key of ['t1', 't2', 't3', 't4']) {
      // Each child ended once; those that ended before the kill never started again.
      expect(runs.filter((r) => r.key === key && r.phase === 'end')).toHaveLength(1);
      expect(runs.find((r) => r.key === key && r.phase === 'end')?.pid).toBe(survivor.child.pid);
      expect(runs.filter((r) => r.key === key && r.phase === 'start')).toHaveLength(
        onSurvivor.includes(key) ? 1 : 2,
      );
    }
    // The killed worker's children were taken over (their first attempt reads as lost), not queued a second time.
    for (const key of onVictim) {
      const child = await bus.queue.get(`${id}.${key}`);
      expect(child?.runs?.map((r) => r.outcome)).toEqual(['lost', 'completed']);
      expect(child?.attempts).toBe(1);
    }
    expect((await bus.queue.list()).filter((j) => j.parentId === id)).toHaveLength(4);
    rec.stop();
  }, 60_000);

  it('a worker SIGKILLed while the parent runs, after adding its children: the re-run adds no second child', async () => {
    prefix = uniquePrefix('flow-kill');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-flow-'));
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const a = worker();
    const b = worker();
    const byId = new Map<string, WorkerProcess>();
    for (const p of [a, b]) {
      const found = await waitFor(
        `worker pid ${p.child.pid} online`,
        async () => (await bus.workers()).find((w) => w.pid === p.child.pid),
        15_000,
      );
      byId.set(found.id, p);
    }
    writeFileSync(join(dir, 'parent-hold'), '');
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: ['files', dir, '2', 'hold'] },
      requestedBy: alice,
    });
    await waitFor('both children running', () => runsIn(dir).filter((r) => r.phase === 'start').length === 2);
    expect((await bus.queue.get(id))?.status).toBe('active');
    const parentWorker = (rec.ofJob(id).find((e) => e.type === 'job.started')!.data as { worker: string })
      .worker;
    const victim = byId.get(parentWorker)!;
    const survivor = victim === a ? b : a;
    victim.child.kill('SIGKILL');
    await victim.exited;
    rmSync(join(dir, 'parent-hold'));
    for (const key of ['t1', 't2']) writeFileSync(join(dir, `go-${key}`), '');

    const done = await waitForStatus(bus, id, 'completed', 30_000);
    expect((done.result as ParentResult).children.map((c) => [c.id, c.status])).toEqual([
      [`${id}.t1`, 'completed'],
      [`${id}.t2`, 'completed'],
    ]);
    expect(done.worker).toBe([...byId].find(([, p]) => p === survivor)![0]);
    expect(done.runs?.map((r) => r.outcome)).toEqual(['lost', 'suspended', 'completed']);
    const runs = runsIn(dir);
    for (const key of ['t1', 't2']) {
      expect(runs.filter((r) => r.key === key && r.phase === 'end')).toHaveLength(1);
    }
    expect((await bus.queue.list()).filter((j) => j.parentId === id)).toHaveLength(2);
    const enqueues = (await bus.audit.list()).filter((e) => e.action === 'job.enqueue' && e.jobId !== id);
    // Each child accepted once, then found again by the re-run (a wave's children are added at once: any order).
    expect(enqueues.map((e) => `${e.jobId} ${e.outcome}`).sort()).toEqual([
      `${id}.t1 accepted`,
      `${id}.t1 deduplicated`,
      `${id}.t2 accepted`,
      `${id}.t2 deduplicated`,
    ]);
    const firstDuplicate = enqueues.findIndex((e) => e.outcome === 'deduplicated');
    expect(enqueues.slice(0, firstDuplicate).map((e) => e.outcome)).toEqual(['accepted', 'accepted']);
    rec.stop();
  }, 60_000);
});
