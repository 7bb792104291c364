import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { Bus } from '../../src/services/bus/contracts';
import { JobHistory } from '../../src/services/bus/jobHistory';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { buildWorkerEntry, startWorkerProcess } from '../worker/workerProcess';
import { alice, scriptedHandler, waitFor, waitForStatus } from './contractSuite';

const dirs: string[] = [];
const buses: Bus[] = [];
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-history-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A console or command without Redis on the workspace `dataDir`, running jobs with the test's scripts. */
function processOn(dataDir: string, run = true): Bus {
  const bus = openMemoryBus({ dataDir, requester: alice, policies: { command: { backoffMs: 10 } } });
  if (run) bus.consume({ command: scriptedHandler() });
  buses.push(bus);
  return bus;
}

const command = (program: string, args: string[] = [], attempts?: number) => ({
  kind: 'command' as const,
  payload: { program, args },
  requestedBy: alice,
  ...(attempts ? { attempts } : {}),
});

describe('job ids without Redis, in a workspace', () => {
  let entry: { file: string; remove: () => void };
  beforeAll(async () => {
    entry = await buildWorkerEntry('tests/bus/fixtures/allocateIds.ts');
  });
  afterAll(() => entry.remove());

  /** Processes that queue `count` jobs each at the same moment; the ids each got. */
  async function allocateTogether(dataDir: string, counts: number[]): Promise<string[][]> {
    const go = join(dataDir, 'go');
    rmSync(go, { force: true });
    const procs = counts.map((n) => startWorkerProcess(entry.file, [dataDir, go, String(n)], {}));
    await waitFor('every process ready', () => procs.every((p) => p.output().includes('ready')), 40_000);
    writeFileSync(go, '');
    const exits = await Promise.all(procs.map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual(counts.map(() => 0));
    return procs.map((p) => JSON.parse(p.output().trim().split('\n').at(-1) ?? '[]') as string[]);
  }

  it('are counted in the workspace: two processes allocating at once never share one, a restart goes on', async () => {
    const dataDir = workspace();
    const [a, b] = await allocateTogether(dataDir, [40, 40]);
    const all = [...a, ...b];
    expect(all.every((id) => /^[1-9]\d*$/.test(id))).toBe(true);
    expect(new Set(all).size).toBe(80);
    expect(all.map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const [after] = await allocateTogether(dataDir, [3]);
    // Allocated concurrently inside one process: which call gets which number is not ordered.
    expect(after.map(Number).sort((x, y) => x - y)).toEqual([81, 82, 83]);
  }, 60_000);
});

describe('the job history of the embedded default', () => {
  it('shows the jobs a closed process finished, with their result, output and every attempt', async () => {
    const dataDir = workspace();
    const first = processOn(dataDir);
    const done = await first.queue.enqueue(command('steps', ['3']));
    await waitForStatus(first, done, 'completed');
    const flaky = await first.queue.enqueue(command('fail-until', ['2'], 2));
    await waitForStatus(first, flaky, 'completed');
    const failed = await first.queue.enqueue(command('fail', ['disk full']));
    await waitForStatus(first, failed, 'failed');
    await first.close();

    const second = processOn(dataDir, false);
    const listed = await second.queue.list();
    expect(listed.map((j) => [j.id, j.status])).toEqual([
      [failed, 'failed'],
      [flaky, 'completed'],
      [done, 'completed'],
    ]);
    const job = await second.queue.get(done);
    expect(job).toMatchObject({ kind: 'command', result: { exitCode: 0, lines: 3 }, step: 3, total: 3 });
    expect((await second.queue.logs(done)).map((l) => l.text)).toEqual([
      'did step 1',
      'did step 2',
      'did step 3',
    ]);
    expect((await second.queue.get(flaky))?.runs?.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect((await second.queue.get(failed))?.error).toBe('disk full');
    expect(await second.queue.counts()).toMatchObject({ completed: 2, failed: 1 });
    // A new job gets the next number, never one of the earlier ids.
    expect(await second.queue.enqueue(command('true'))).toBe(String(Number(failed) + 1));
  });

  it('a failed job of an earlier process can be retried: its earlier output and attempts stay', async () => {
    const dataDir = workspace();
    const first = processOn(dataDir);
    const id = await first.queue.enqueue(command('sh', ['-c', 'echo before; exit 3']));
    await waitForStatus(first, id, 'failed');
    await first.close();

    const second = openMemoryBus({ dataDir, requester: alice });
    buses.push(second);
    second.consume({
      command: async (_p, ctx) => {
        await ctx.log('after');
        return { exitCode: 0, lines: 1, droppedLines: 0 };
      },
    });
    await second.queue.retry(id, alice);
    const done = await waitForStatus(second, id, 'completed');
    expect(done.runs?.map((r) => r.outcome)).toEqual(['failed', 'completed']);
    expect((await second.queue.logs(id)).map((l) => l.text)).toEqual([
      'before',
      `--- attempt #2 (try 1/1) on ${done.worker}; #1 failed (${done.runs![0].worker}): sh exited with code 3 ---`,
      'after',
    ]);
  });

  it('records a job still running or queued when its process closes as cancelled, in the history and the audit', async () => {
    const dataDir = workspace();
    const first = processOn(dataDir);
    const running = await first.queue.enqueue(command('block'));
    await waitForStatus(first, running, 'active');
    const queued = await first.queue.enqueue(command('true'));
    await first.close();

    const second = processOn(dataDir, false);
    const ended = await second.queue.get(running);
    expect(ended?.status).toBe('cancelled');
    expect(ended?.error).toMatch(/^stopped with the process that ran it \(.+:\d+\)$/);
    expect(ended?.runs?.map((r) => [r.outcome, r.error])).toEqual([['cancelled', ended?.error]]);
    expect(ended?.attempts).toBe(1);
    expect((await second.queue.get(queued))?.status).toBe('cancelled');
    const finishes = (await second.audit.list()).filter((e) => e.action === 'job.finish');
    expect(finishes.map((e) => [e.jobId, e.outcome])).toEqual([
      [running, 'cancelled'],
      [queued, 'cancelled'],
    ]);
  });

  it('keeps the newest jobs and their last lines only, and never hands out a pruned id again', async () => {
    const dataDir = workspace();
    const history = new JobHistory(dataDir, { keepJobs: 3, keepLines: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const view = await history.create((id) => finishedJob(id, i));
      ids.push(view.id);
      history.save(
        view,
        ['a', 'b', 'c'].map((text, seq) => ({ attempt: 1, seq, stream: 'stdout' as const, text, at: 0 })),
      );
      await history.flush();
    }
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    const records = readdirSync(join(dataDir, 'jobs')).filter((n) => n.endsWith('.json'));
    expect(records.length).toBeLessThan(30);
    expect(records).toContain('30.json');
    expect((await history.load()).map((j) => j.id)).toEqual(['30', '29', '28']);
    expect((await history.readLogs('30')).map((l) => l.text)).toEqual(['b', 'c']);
    expect((await history.create((id) => finishedJob(id, 31))).id).toBe('31');
  });

  it('keeps who signed a job and who approved it (a restart shows them as before)', async () => {
    const dataDir = workspace();
    const history = new JobHistory(dataDir);
    const signature = {
      principal: 'alice',
      at: 1_000,
      nonce: 'n0nce-n0nce-n0nce1',
      sig: '-----BEGIN SSH SIGNATURE-----',
    };
    const approval = {
      state: 'approved' as const,
      why: 'project shop is protected',
      requestedAt: 1_000,
      expiresAt: 90_000,
      decidedBy: { user: 'dave', host: 'ops' },
      decidedAt: 2_000,
    };
    const view = await history.create((id) => ({ ...finishedJob(id, 1), signature, approval }));
    history.save(view);
    await history.flush();
    const [again] = await new JobHistory(dataDir).load();
    expect(again.signature).toEqual(signature);
    expect(again.approval).toEqual(approval);
  });

  it('still runs jobs where the history cannot be kept, and says so once', async () => {
    const dataDir = workspace();
    writeFileSync(join(dataDir, 'jobs'), 'a file where the folder should be');
    const bus = processOn(dataDir);
    const warnings: string[] = [];
    const stop = bus.events.subscribe('0', (e) => {
      if (e.type === 'job.history') warnings.push(e.message);
    });
    const ids = [await bus.queue.enqueue(command('true')), await bus.queue.enqueue(command('true'))];
    for (const id of ids) await waitForStatus(bus, id, 'completed');
    expect(ids.every((id) => /^[1-9]\d{7}$/.test(id))).toBe(true);
    await waitFor('the warnings', () => warnings.length >= 2);
    expect(warnings[0]).toMatch(/^earlier jobs not shown: cannot read .*jobs: ENOTDIR/);
    expect(warnings[1]).toMatch(/^job ids not counted in .*jobs: /);
    expect(warnings).toHaveLength(2);
    stop();
  });

  it('lists a record it cannot read as a failed job that says where and why', async () => {
    const dataDir = workspace();
    mkdirSync(join(dataDir, 'jobs'));
    writeFileSync(
      join(dataDir, 'jobs', '7.json'),
      '{"v":1,"view":{"id":"7","kind":"command","status":"exploded"}}',
    );
    const bus = processOn(dataDir, false);
    const [job] = await bus.queue.list();
    expect(job).toMatchObject({ id: '7', status: 'failed' });
    expect(job.error).toContain(join(dataDir, 'jobs', '7.json'));
    expect(job.error).toContain('status "exploded" is unknown');
    expect(await bus.queue.enqueue(command('true'))).toBe('8');
  });
});

function finishedJob(id: string, n: number): JobView {
  return {
    id,
    kind: 'command',
    status: 'completed',
    step: 0,
    total: 0,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: alice,
    createdAt: 1_700_000_000_000 + n,
    finishedAt: 1_700_000_000_000 + n,
    payload: { program: 'true', args: [] },
  };
}
