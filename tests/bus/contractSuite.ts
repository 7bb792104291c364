import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/audit';
import type { DeckEvent } from '../../src/domain/event';
import type { CommandResult, JobStatus, JobView, Requester } from '../../src/domain/job';
import { isBusError } from '../../src/services/bus/busError';
import type { Bus, JobConsumer, OpenBusOptions } from '../../src/services/bus/contracts';
import { approvalContract } from '../access/approvalsContract';
import { alice, type ParentResult, scriptedHandler } from './scriptedHandler';

/** How the contract suite gets a fresh, isolated bus of one transport. */
export interface TransportFactory {
  name: string;
  open(opts?: Partial<OpenBusOptions>): Promise<Bus>;
  /** Queue a job the way another version of infradeck would, bypassing this version's checks (if possible). */
  injectForeignJob?(bus: Bus, kind: string, payload: unknown): Promise<string>;
  /** After each test (drop the Redis keys). */
  cleanup?(): Promise<void>;
}

export { alice, type ParentResult, scriptedHandler } from './scriptedHandler';

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What `promise` settles with, waited for at most `timeoutMs`: a caller that must end by itself, bounded. */
export async function settledWithin<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  const tick = () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50));
  const settled = await waitFor(
    what,
    () => Promise.race([promise.then((value) => ({ value })), tick()]),
    timeoutMs,
  );
  return settled.value;
}

export async function waitForStatus(
  bus: Bus,
  id: string,
  status: JobStatus,
  timeoutMs = 10_000,
): Promise<JobView> {
  return waitFor(
    `job ${id} to be ${status}`,
    async () => {
      const view = await bus.queue.get(id);
      return view?.status === status ? view : undefined;
    },
    timeoutMs,
  );
}

/** Everything on the stream from its start, as a subscriber sees it. */
export function record(bus: Bus): {
  events: DeckEvent[];
  stop: () => void;
  ofJob: (id: string) => DeckEvent[];
} {
  const events: DeckEvent[] = [];
  const stop = bus.events.subscribe('0', (e) => events.push(e));
  return { events, stop, ofJob: (id) => events.filter((e) => e.jobId === id) };
}

export function contractSuite(factory: TransportFactory): void {
  describe(`bus contract: ${factory.name}`, () => {
    let bus: Bus;
    const opened: Bus[] = [];

    async function openBus(opts: Partial<OpenBusOptions> = {}): Promise<Bus> {
      const b = await factory.open({ requester: alice, policies: { command: { backoffMs: 20 } }, ...opts });
      opened.push(b);
      expect(await b.state.whenConnected(5000)).toBe(true);
      return b;
    }

    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
      await factory.cleanup?.();
    });

    function consume(b: Bus, calls: string[] = [], aborts: unknown[] = [], concurrency = 1): JobConsumer {
      return b.consume({ command: scriptedHandler(calls, aborts) }, { concurrency, heartbeatMs: 200 });
    }

    it('runs a command from queued to completed, with its output as log lines and events in order', async () => {
      bus = await openBus();
      const rec = record(bus);
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'printf', args: ['%s\\n', 'hello', 'world'] },
        requestedBy: alice,
      });
      const done = await waitForStatus(bus, id, 'completed');
      expect(done.result).toMatchObject({ exitCode: 0, lines: 2 });
      expect(done.attempts).toBe(1);
      expect(done.requestedBy).toEqual(alice);
      expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
      expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
      expect((await bus.queue.logs(id)).map((l) => [l.stream, l.text])).toEqual([
        ['stdout', 'hello'],
        ['stdout', 'world'],
      ]);
      await waitFor('job.completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
      expect(rec.ofJob(id).map((e) => e.type)).toEqual([
        'job.queued',
        'job.started',
        'job.log',
        'job.log',
        'job.completed',
      ]);
      expect(rec.ofJob(id)[0].source).toEqual(alice);
      rec.stop();
    });

    it('announces each completion exactly once, never before the job reads as completed', async () => {
      bus = await openBus();
      const b = bus;
      consume(b, [], [], 4);
      const seen: Array<Promise<[string, JobStatus | undefined]>> = [];
      const stop = b.events.subscribe('live', (e) => {
        if (e.type === 'job.completed' && e.jobId) {
          const jobId = e.jobId;
          seen.push(b.queue.get(jobId).then((view) => [jobId, view?.status]));
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ids = await Promise.all(
        Array.from({ length: 12 }, () =>
          b.queue.enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice }),
        ),
      );
      for (const id of ids) await waitForStatus(b, id, 'completed');
      await waitFor('every completion announced', () => seen.length >= ids.length);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a second announcement would arrive by now
      stop();
      const answers = await Promise.all(seen);
      expect(answers.map(([id]) => id).sort()).toEqual([...ids].sort());
      expect(answers.filter(([, status]) => status !== 'completed')).toEqual([]);
    });

    it('fails a command that exits non-zero, with the exit code in the error', async () => {
      bus = await openBus();
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'sh', args: ['-c', 'echo oops >&2; exit 3'] },
        requestedBy: alice,
      });
      const failed = await waitForStatus(bus, id, 'failed');
      expect(failed.error).toBe('sh exited with code 3');
      expect((await bus.queue.logs(id)).map((l) => [l.stream, l.text])).toEqual([['stderr', 'oops']]);
    });

    it('refuses a payload that fails validation at enqueue, says why, and queues nothing', async () => {
      bus = await openBus();
      const error = await bus.queue
        .enqueue({ kind: 'command', payload: { program: '', args: ['x', 3] } as never, requestedBy: alice })
        .catch((e) => e);
      expect(isBusError(error, 'invalid')).toBe(true);
      expect(error.message).toContain('program: program is empty');
      expect(error.message).toContain('args.1');
      expect(await bus.queue.list()).toEqual([]);
      const audit = await bus.audit.list();
      expect(audit.at(-1)).toMatchObject({ action: 'job.enqueue', outcome: 'rejected', who: alice });
    });

    it('refuses an unknown job kind at enqueue', async () => {
      bus = await openBus();
      const error = await bus.queue
        .enqueue({ kind: 'frobnicate', payload: {}, requestedBy: alice } as never)
        .catch((e) => e);
      expect(isBusError(error, 'invalid')).toBe(true);
      expect(error.message).toContain('unknown job kind "frobnicate"');
      expect(await bus.queue.list()).toEqual([]);
    });

    it('refuses, when asked read-only, every job that can change something: audited, nothing queued', async () => {
      bus = await openBus();
      const calls: string[] = [];
      consume(bus, calls);
      const error = await bus.queue
        .enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice, readOnly: true })
        .catch((e) => e);
      expect(isBusError(error, 'refused')).toBe(true);
      expect(error.message).toBe(
        'refused: command job "true": read-only mode (--readonly or INFRADECK_READONLY) and a command job can change things; nothing was queued',
      );
      // A scan only reads: read-only mode lets it through.
      const scan = await bus.queue.enqueue({ kind: 'scan', payload: {}, requestedBy: alice, readOnly: true });
      expect((await bus.queue.list()).map((j) => j.id)).toEqual([scan]);
      expect(calls).toEqual([]);
      const audit = await bus.audit.list();
      expect(audit[0]).toMatchObject({
        action: 'job.enqueue',
        outcome: 'rejected',
        kind: 'command',
        what: 'true',
        who: alice,
        reason: error.message,
      });
      expect(audit.find((e) => e.jobId === scan)).toMatchObject({
        action: 'job.enqueue',
        outcome: 'accepted',
      });
    });

    it.runIf(factory.injectForeignJob)(
      'fails a job of a kind this version does not know, once, with the reason (no retry loop)',
      async () => {
        bus = await openBus();
        const calls: string[] = [];
        consume(bus, calls);
        const id = await factory.injectForeignJob!(bus, 'frobnicate', { level: 11 });
        const failed = await waitForStatus(bus, id, 'failed');
        expect(failed.error).toContain('unknown job kind "frobnicate"');
        expect(failed.attempts).toBe(1);
        expect(failed.maxAttempts).toBe(5);
        expect(calls).toEqual([]);
      },
    );

    it('gives the same job for the same idempotency key', async () => {
      bus = await openBus();
      const spec = {
        kind: 'command' as const,
        payload: { program: 'true' },
        requestedBy: alice,
        idempotencyKey: 'deploy web #42',
      };
      const first = await bus.queue.enqueue(spec);
      const second = await bus.queue.enqueue(spec);
      expect(second).toBe(first);
      expect((await bus.queue.list()).map((j) => j.id)).toEqual([first]);
      const outcomes = (await bus.audit.list())
        .filter((a) => a.action === 'job.enqueue')
        .map((a) => a.outcome);
      expect(outcomes).toEqual(['accepted', 'deduplicated']);
    });

    it('reports progress as a step of a total', async () => {
      bus = await openBus();
      const rec = record(bus);
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'steps', args: ['3'] },
        requestedBy: alice,
      });
      const done = await waitForStatus(bus, id, 'completed');
      expect([done.step, done.total, done.message]).toEqual([3, 3, 'step 3']);
      await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
      const progress = rec.ofJob(id).filter((e) => e.type === 'job.progress');
      expect(progress.at(-1)?.data).toEqual({ step: 3, total: 3 });
      rec.stop();
    });

    it('retries a failing job with backoff, then completes it', async () => {
      bus = await openBus();
      const rec = record(bus);
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail-until', args: ['3'] },
        requestedBy: alice,
        attempts: 3,
      });
      const done = await waitForStatus(bus, id, 'completed');
      expect(done.attempts).toBe(3);
      await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
      const failures = rec.ofJob(id).filter((e) => e.type === 'job.failed');
      expect(failures.map((e) => (e.data as { willRetry: boolean }).willRetry)).toEqual([true, true]);
      expect(failures.map((e) => e.level)).toEqual(['warn', 'warn']);
      rec.stop();
    });

    it('marks in a retried job’s log where each attempt after the first begins, and why the last ended', async () => {
      bus = await openBus();
      const rec = record(bus);
      const worker = consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'echo ran; exit 3', shell: true },
        requestedBy: alice,
        attempts: 2,
      });
      await waitForStatus(bus, id, 'failed');
      expect((await bus.queue.logs(id)).map((l) => [l.stream, l.text])).toEqual([
        ['stdout', 'ran'],
        [
          'info',
          `--- attempt #2 (try 2/2) on ${worker.id}; #1 failed (${worker.id}): echo ran; exit 3 exited with code 3 ---`,
        ],
        ['stdout', 'ran'],
      ]);
      await waitFor('two attempts’ lines published', () =>
        rec.ofJob(id).filter((e) => e.type === 'job.log').length === 3 ? true : undefined,
      );
      rec.stop();
    });

    it('fails a job after its last attempt', async () => {
      bus = await openBus();
      const rec = record(bus);
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail', args: ['disk full'] },
        requestedBy: alice,
        attempts: 2,
      });
      const failed = await waitForStatus(bus, id, 'failed');
      expect(failed.attempts).toBe(2);
      expect(failed.error).toBe('disk full');
      await waitFor('two failures', () => rec.ofJob(id).filter((e) => e.type === 'job.failed').length === 2);
      const last = rec.ofJob(id).filter((e) => e.type === 'job.failed')[1];
      expect(last).toMatchObject({ level: 'error', data: { willRetry: false, error: 'disk full' } });
      rec.stop();
    });

    it('cancels a running job: its handler is aborted, it ends cancelled and is not retried', async () => {
      bus = await openBus();
      const rec = record(bus);
      const aborts: unknown[] = [];
      consume(bus, [], aborts);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
        attempts: 3,
      });
      await waitForStatus(bus, id, 'active');
      await bus.queue.cancel(id, alice);
      const cancelled = await waitForStatus(bus, id, 'cancelled');
      expect(cancelled.attempts).toBe(1);
      expect(cancelled.error).toBe('cancelled by alice@jump1 (ssh 10.0.0.5)');
      expect(aborts).toEqual([{ kind: 'cancel', message: 'cancelled by alice@jump1 (ssh 10.0.0.5)' }]);
      await waitFor('cancel event', () => rec.ofJob(id).some((e) => e.type === 'job.cancelled'));
      expect(rec.ofJob(id).filter((e) => e.type === 'job.cancelled')).toHaveLength(1);
      expect(rec.ofJob(id).some((e) => e.type === 'job.failed')).toBe(false);
      rec.stop();
    });

    it('a handler that ignores the abort and returns still ends cancelled', async () => {
      bus = await openBus();
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'ignore-abort' },
        requestedBy: alice,
      });
      await waitForStatus(bus, id, 'active');
      await bus.queue.cancel(id);
      await waitForStatus(bus, id, 'cancelled');
    });

    it('cancels a queued job before it runs; it never runs', async () => {
      bus = await openBus();
      const rec = record(bus);
      const first = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'steps', args: ['1'] },
        requestedBy: alice,
      });
      await bus.queue.cancel(first, alice);
      expect((await bus.queue.get(first))?.status).toBe('cancelled');
      const calls: string[] = [];
      consume(bus, calls);
      const second = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'steps', args: ['1'] },
        requestedBy: alice,
      });
      await waitForStatus(bus, second, 'completed');
      expect(calls).toEqual([`${second}:steps`]);
      expect((await bus.queue.get(first))?.status).toBe('cancelled');
      expect(rec.ofJob(first).map((e) => e.type)).toEqual(['job.queued', 'job.cancelled']);
      rec.stop();
    });

    it('retry puts a failed job back with fresh attempts, and it runs again', async () => {
      bus = await openBus();
      const rec = record(bus);
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail-first-run', args: ['r1'] },
        requestedBy: alice,
      });
      await waitForStatus(bus, id, 'failed');
      await bus.queue.retry(id, alice);
      const done = await waitForStatus(bus, id, 'completed');
      expect(done.attempts).toBe(1);
      expect(done.error).toBeUndefined();
      await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
      expect(rec.ofJob(id).map((e) => e.type)).toEqual([
        'job.queued',
        'job.started',
        'job.failed',
        'job.retried',
        'job.started',
        'job.log', // where the second attempt begins in its log
        'job.completed',
      ]);
      rec.stop();
    });

    it('records every attempt of a job, also those before a retry: when, where and how each ended', async () => {
      bus = await openBus();
      const worker = consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail-until', args: ['2'] },
        requestedBy: alice,
        attempts: 1,
      });
      const failed = await waitForStatus(bus, id, 'failed');
      expect(failed.runs?.map((r) => [r.attempt, r.outcome, r.error])).toEqual([
        [1, 'failed', 'attempt 1 failed'],
      ]);
      await bus.queue.retry(id, alice);
      await waitForStatus(bus, id, 'failed');
      await bus.queue.retry(id, alice);
      // A retry starts counting again; the view keeps the attempts before it.
      const second = await waitForStatus(bus, id, 'failed');
      expect(second.runs?.map((r) => [r.attempt, r.outcome])).toEqual([
        [1, 'failed'],
        [1, 'failed'],
        [1, 'failed'],
      ]);
      const multi = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail-until', args: ['2'] },
        requestedBy: alice,
        attempts: 3,
      });
      const done = await waitForStatus(bus, multi, 'completed');
      expect(done.runs?.map((r) => [r.attempt, r.outcome, r.error])).toEqual([
        [1, 'failed', 'attempt 1 failed'],
        [2, 'completed', undefined],
      ]);
      for (const run of done.runs ?? []) {
        expect(run.worker).toBe(worker.id);
        expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt);
        expect(run.startedAt).toBeGreaterThanOrEqual(done.createdAt);
      }
      expect(done.runs?.[1].startedAt).toBeGreaterThanOrEqual(done.runs?.[0].finishedAt ?? Infinity);
      // The list tells the same attempts as the job itself.
      const listed = (await bus.queue.list()).find((j) => j.id === multi);
      expect(listed?.runs).toEqual(done.runs);
    });

    it('retry of a cancelled job runs it', async () => {
      bus = await openBus();
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'steps', args: ['2'] },
        requestedBy: alice,
      });
      await bus.queue.cancel(id);
      await bus.queue.retry(id);
      expect((await bus.queue.get(id))?.status).toBe('queued');
      consume(bus);
      await waitForStatus(bus, id, 'completed');
    });

    it('refuses to cancel or retry what it cannot, saying why', async () => {
      bus = await openBus();
      consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'true' },
        requestedBy: alice,
      });
      await waitForStatus(bus, id, 'completed');
      const notFound = await bus.queue.cancel('nope-404').catch((e) => e);
      expect(isBusError(notFound, 'not-found')).toBe(true);
      expect(notFound.message).toBe('job nope-404 not found');
      const finished = await bus.queue.cancel(id).catch((e) => e);
      expect(isBusError(finished, 'conflict')).toBe(true);
      expect(finished.message).toBe(`job ${id} is already completed`);
      const retried = await bus.queue.retry(id).catch((e) => e);
      expect(isBusError(retried, 'conflict')).toBe(true);
      expect(retried.message).toBe(`job ${id} is completed; only failed or cancelled jobs can be retried`);
      const rejected = (await bus.audit.list()).filter((a) => a.outcome === 'rejected').map((a) => a.action);
      expect(rejected).toEqual(['job.cancel', 'job.cancel', 'job.retry']);
    });

    it('fails a job that runs past its timeout', async () => {
      bus = await openBus();
      const aborts: unknown[] = [];
      consume(bus, [], aborts);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
        timeoutMs: 300,
      });
      const failed = await waitForStatus(bus, id, 'failed');
      expect(failed.error).toBe('timed out after 300 ms');
      expect(failed.timeoutMs).toBe(300);
      expect(aborts).toEqual([{ kind: 'timeout', message: 'timed out after 300 ms' }]);
    });

    it('replays the events after a given id, then live ones, each exactly once and in order', async () => {
      bus = await openBus();
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) {
        ids.push(
          await bus.events.publish({ level: 'info', type: 'test.ping', source: alice, message: `ping ${i}` }),
        );
      }
      const fromThird: DeckEvent[] = [];
      const live: DeckEvent[] = [];
      let liveReady = false;
      const stopA = bus.events.subscribe(ids[1], (e) => fromThird.push(e));
      const stopB = bus.events.subscribe('live', (e) => live.push(e), { onLive: () => (liveReady = true) });
      await waitFor('replay', () => fromThird.length === 3 && liveReady);
      for (let i = 6; i <= 7; i++) {
        await bus.events.publish({
          level: 'warn',
          type: 'test.ping',
          source: { worker: 'w1' },
          message: `ping ${i}`,
        });
      }
      await waitFor('live events', () => fromThird.length === 5 && live.length === 2);
      expect(fromThird.map((e) => e.message)).toEqual(['ping 3', 'ping 4', 'ping 5', 'ping 6', 'ping 7']);
      expect(fromThird.slice(0, 3).map((e) => e.id)).toEqual(ids.slice(2));
      expect(live.map((e) => e.message)).toEqual(['ping 6', 'ping 7']);
      expect(live[0]).toMatchObject({ level: 'warn', type: 'test.ping', source: { worker: 'w1' } });
      expect(typeof live[0].at).toBe('number');
      expect((await bus.events.recent(2)).map((e) => e.message)).toEqual(['ping 6', 'ping 7']);
      // A page further back: the events older than an id, never the id's own.
      const older = async (count: number, before: string) =>
        (await bus.events.recent(count, { before })).map((e) => e.message);
      expect(await older(2, ids[3])).toEqual(['ping 2', 'ping 3']);
      expect(await older(5, ids[1])).toEqual(['ping 1']);
      expect(await older(5, ids[0])).toEqual([]);
      stopA();
      stopB();
      await bus.events.publish({ level: 'info', type: 'test.ping', source: alice, message: 'ping 8' });
      await new Promise((r) => setTimeout(r, 100));
      expect(fromThird).toHaveLength(5);
    });

    it('hands a running job back when its consumer stops; another consumer finishes it', async () => {
      bus = await openBus();
      const first = consume(bus);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
      });
      await waitForStatus(bus, id, 'active');
      await first.close({ graceMs: 50 });
      const back = await bus.queue.get(id);
      expect(back?.status).toBe('queued');
      expect(back?.attempts).toBe(0);
      bus.consume({ command: async () => ({ exitCode: 0, lines: 0, droppedLines: 0 }) });
      const done = await waitForStatus(bus, id, 'completed');
      expect(done.attempts).toBe(1);
      expect(done.runs?.map((r) => [r.attempt, r.outcome])).toEqual([
        [1, 'released'],
        [1, 'completed'],
      ]);
    });

    it('lists live workers with their current job; a stopped one leaves the list', async () => {
      bus = await openBus();
      const consumer = consume(bus, [], [], 2);
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
      });
      await waitForStatus(bus, id, 'active');
      const listed = await waitFor('worker with its job', async () => {
        const workers = await bus.workers();
        return workers.find((w) => w.id === consumer.id && w.current.some((c) => c.id === id));
      });
      expect(listed).toMatchObject({ pid: process.pid, concurrency: 2, transport: bus.transport });
      await bus.queue.cancel(id);
      await waitForStatus(bus, id, 'cancelled');
      await waitFor('the worker to show no current job', async () => {
        const me = (await bus.workers()).find((w) => w.id === consumer.id);
        return me?.current.length === 0 && me.jobsFailed === 1;
      });
      await consumer.close();
      expect((await bus.workers()).map((w) => w.id)).not.toContain(consumer.id);
    });

    it('records every enqueue, cancel, retry and how each job ended, with who and where', async () => {
      bus = await openBus();
      consume(bus);
      const a = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
      });
      await waitForStatus(bus, a, 'active');
      await bus.queue.cancel(a, alice);
      await waitForStatus(bus, a, 'cancelled');
      await bus.queue.retry(a, { user: 'bob', host: 'laptop' });
      await waitForStatus(bus, a, 'active');
      await bus.queue.cancel(a, { user: 'bob', host: 'laptop' });
      await waitForStatus(bus, a, 'cancelled');
      const entries: AuditEntry[] = await waitFor('audit of the second cancel', async () => {
        const list = await bus.audit.list();
        return list.filter((e) => e.action === 'job.finish').length === 2 ? list : undefined;
      });
      expect(entries.map((e) => [e.action, e.outcome, e.who.user])).toEqual([
        ['job.enqueue', 'accepted', 'alice'],
        ['job.cancel', 'accepted', 'alice'],
        ['job.finish', 'cancelled', 'alice'],
        ['job.retry', 'accepted', 'bob'],
        ['job.cancel', 'accepted', 'bob'],
        ['job.finish', 'cancelled', 'alice'],
      ]);
      expect(entries[0]).toMatchObject({ who: alice, jobId: a, kind: 'command', what: 'block' });
      expect(entries.every((e) => e.at > 0 && e.id.length > 0)).toBe(true);
      expect((await bus.audit.list({ limit: 2 })).map((e) => e.action)).toEqual(['job.cancel', 'job.finish']);
    });

    it('counts and filters jobs by status', async () => {
      bus = await openBus();
      consume(bus);
      const good = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'true' },
        requestedBy: alice,
      });
      const bad = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail' },
        requestedBy: alice,
      });
      await waitForStatus(bus, good, 'completed');
      await waitForStatus(bus, bad, 'failed');
      const waiting = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'block' },
        requestedBy: alice,
      });
      await waitForStatus(bus, waiting, 'active');
      const queued = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'true' },
        requestedBy: alice,
      });
      const cancelled = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'true' },
        requestedBy: alice,
      });
      await bus.queue.cancel(cancelled);
      expect(await bus.queue.counts()).toEqual({
        queued: 1,
        active: 1,
        waiting: 0,
        paused: 0,
        delayed: 0,
        completed: 1,
        failed: 1,
        cancelled: 1,
        approval_pending: 0,
        rejected: 0,
      });
      expect((await bus.queue.list({ status: 'failed' })).map((j) => j.id)).toEqual([bad]);
      expect((await bus.queue.list({ status: ['queued', 'cancelled'] })).map((j) => j.id).sort()).toEqual(
        [queued, cancelled].sort(),
      );
      expect((await bus.queue.list()).map((j) => j.id).sort()).toEqual(
        [good, bad, waiting, queued, cancelled].sort(),
      );
      await bus.queue.cancel(waiting);
      await waitForStatus(bus, waiting, 'cancelled');
    });

    describe('parent jobs and their children', () => {
      function parent(b: Bus, ...args: string[]): Promise<string> {
        return b.queue.enqueue({ kind: 'command', payload: { program: 'parent', args }, requestedBy: alice });
      }

      it('runs waves of children while the parent waits without a worker slot, pauses, resumes and ends with their results', async () => {
        bus = await openBus();
        const rec = record(bus);
        const calls: string[] = [];
        consume(bus, calls, [], 1); // one slot: the children can only run if the waiting parent gives it up
        const id = await parent(bus, 'waves');
        const paused = await waitForStatus(bus, id, 'paused');
        expect(paused.attempts).toBe(1);
        const children = await bus.queue.list({ status: 'completed' });
        expect(children.map((c) => c.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((k) => `${id}.${k}`));
        expect(children.every((c) => c.parentId === id)).toBe(true);
        expect((await bus.queue.get(`${id}.a`))?.result).toMatchObject({ lines: 1 }); // the first `a`, not a second
        const notPaused = await bus.queue.resume(`${id}.a`).catch((e) => e);
        expect(isBusError(notPaused, 'conflict')).toBe(true);
        expect(notPaused.message).toBe(`job ${id}.a is completed; only a paused job can be resumed`);

        await bus.queue.resume(id, { user: 'bob', host: 'laptop' });
        const done = await waitForStatus(bus, id, 'completed');
        const result = done.result as ParentResult;
        expect(result.children.map((c) => [c.id.slice(id.length + 1), c.status])).toEqual([
          ['a', 'completed'],
          ['b', 'completed'],
          ['c', 'completed'],
          ['d', 'completed'],
          ['e', 'completed'],
        ]);
        expect(result.children.map((c) => (c.result as CommandResult).lines)).toEqual([1, 1, 1, 2, 2]);
        expect(done.attempts).toBe(1);
        expect(done.runs?.map((r) => r.outcome)).toEqual([
          'suspended',
          'suspended',
          'suspended',
          'completed',
        ]);
        // Every child ran once; the parent's handler ran once per step.
        expect(calls.filter((c) => c.startsWith(`${id}.`)).sort()).toEqual(
          ['a', 'b', 'c', 'd', 'e'].map((k) => `${id}.${k}:steps`),
        );
        expect(calls.filter((c) => c === `${id}:parent`)).toHaveLength(4);
        await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
        const types = rec.ofJob(id).map((e) => e.type);
        expect(types.filter((t) => t === 'job.paused')).toHaveLength(1);
        expect(types.filter((t) => t === 'job.resumed').length).toBeGreaterThanOrEqual(1);
        expect(
          rec.ofJob(id).find((e) => e.type === 'job.resumed' && (e.data as { by?: Requester }).by)?.data,
        ).toMatchObject({ by: { user: 'bob' } });
        const audit = await bus.audit.list();
        expect(audit.filter((e) => e.action === 'job.resume').map((e) => [e.outcome, e.who.user])).toEqual([
          ['rejected', 'alice'],
          ['accepted', 'bob'],
        ]);
        // Each child is a job of its own: queued with its parent named, and audited.
        expect(rec.ofJob(`${id}.d`)[0]).toMatchObject({ type: 'job.queued', data: { parentId: id } });
        const enqueues = audit.filter((e) => e.action === 'job.enqueue' && e.jobId?.startsWith(`${id}.`));
        expect(enqueues.map((e) => e.outcome).sort()).toEqual([...Array(5).fill('accepted'), 'deduplicated']);
        rec.stop();
      });

      it('a failed child does not strand its parent; a retry of the parent re-runs only what failed', async () => {
        bus = await openBus();
        const calls: string[] = [];
        consume(bus, calls, [], 2);
        const id = await parent(bus, 'retry-failed');
        const failed = await waitForStatus(bus, id, 'failed');
        expect(failed.error).toBe('1 child failed');
        expect((await bus.queue.get(`${id}.flaky`))?.status).toBe('failed');
        expect((await bus.queue.get(`${id}.flaky`))?.error).toBe('the first run fails');
        await bus.queue.retry(id);
        const done = await waitForStatus(bus, id, 'completed');
        expect(
          (done.result as ParentResult).children.map((c) => [c.id.slice(id.length + 1), c.status]),
        ).toEqual([
          ['good', 'completed'],
          ['flaky', 'failed'],
          ['flaky-r1', 'completed'],
        ]);
        expect(calls.filter((c) => c === `${id}.good:steps`)).toHaveLength(1);
      });

      it('a child carries its key; a child that failed with a JobFailure keeps its result beside its error', async () => {
        bus = await openBus();
        consume(bus, [], [], 2);
        const id = await parent(bus, 'keys');
        const done = await waitForStatus(bus, id, 'completed');
        const children = await bus.queue.list({ status: ['completed', 'failed'] });
        const mine = children.filter((c) => c.parentId === id);
        expect(mine.map((c) => [c.childKey, c.status]).sort()).toEqual([
          ['db 2:5432', 'failed'],
          ['web-1', 'completed'],
        ]);
        const failed = mine.find((c) => c.status === 'failed')!;
        expect(failed.error).toBe('disk full');
        expect(failed.result).toEqual({ exitCode: 3, lastLine: 'disk full' });
        expect((await bus.queue.get(failed.id))?.result).toEqual({ exitCode: 3, lastLine: 'disk full' });
        // What the parent read when it woke: the same.
        const seen = (done.result as ParentResult).children.map((c) => [c.status, c.result, c.error]);
        expect(seen).toEqual([
          ['completed', { exitCode: 0, lines: 1, droppedLines: 0 }, undefined],
          ['failed', { exitCode: 3, lastLine: 'disk full' }, 'disk full'],
        ]);
      });

      it('a job that failed with a plain error has no result', async () => {
        bus = await openBus();
        consume(bus, [], [], 1);
        const plain = await bus.queue.enqueue({
          kind: 'command',
          payload: { program: 'fail', args: ['nope'] },
          requestedBy: alice,
        });
        const failed = await waitForStatus(bus, plain, 'failed');
        expect(failed.result).toBeUndefined();
        const kept = await bus.queue.enqueue({
          kind: 'command',
          payload: { program: 'fail-with-result', args: ['exit 7', '7'] },
          requestedBy: alice,
        });
        expect((await waitForStatus(bus, kept, 'failed')).result).toEqual({
          exitCode: 7,
          lastLine: 'exit 7',
        });
      });

      it('cancelling a parent cancels its running children; it ends cancelled and never runs again', async () => {
        bus = await openBus();
        const calls: string[] = [];
        const aborts: unknown[] = [];
        consume(bus, calls, aborts, 2);
        const id = await parent(bus, 'blockers');
        await waitForStatus(bus, id, 'waiting');
        await waitForStatus(bus, `${id}.x`, 'active');
        await waitForStatus(bus, `${id}.y`, 'active');
        await bus.queue.cancel(id, alice);
        const cancelled = await waitForStatus(bus, id, 'cancelled');
        expect(cancelled.error).toBe('cancelled by alice@jump1 (ssh 10.0.0.5)');
        for (const child of ['x', 'y']) {
          expect((await waitForStatus(bus, `${id}.${child}`, 'cancelled')).error).toBe(cancelled.error);
        }
        expect(aborts).toHaveLength(2);
        await new Promise((r) => setTimeout(r, 300));
        expect((await bus.queue.get(id))?.status).toBe('cancelled');
        expect(calls.filter((c) => c === `${id}:parent`)).toHaveLength(1);
      });

      it('a child notes itself on its parent and queues a sibling, which the parent waits for too, without waking between', async () => {
        bus = await openBus();
        const calls: string[] = [];
        consume(bus, calls, [], 2);
        const id = await parent(bus, 'siblings');
        const done = await waitForStatus(bus, id, 'completed');
        expect((done.result as ParentResult).children.map((c) => [c.id, c.status])).toEqual([
          [`${id}.first`, 'completed'],
          [`${id}.second`, 'completed'],
        ]);
        expect(calls).toContain(`noted 1 0; queued ${id}.second`);
        // Woken once, when both had ended.
        expect(calls.filter((c) => c === `${id}:parent`)).toHaveLength(2);
        expect(done.runs?.map((r) => r.outcome)).toEqual(['suspended', 'completed']);
      });

      it('a child of a cancelled parent can neither note on it nor queue a sibling', async () => {
        bus = await openBus();
        const calls: string[] = [];
        consume(bus, calls, [], 2);
        const id = await parent(bus, 'late-sibling');
        await waitForStatus(bus, `${id}.x`, 'active');
        await bus.queue.cancel(id, alice);
        await waitForStatus(bus, id, 'cancelled');
        await waitFor('the child tried', () => calls.some((c) => c.startsWith('after cancel')));
        expect(calls).toContain('after cancel: noted false; queued 0');
        await new Promise((r) => setTimeout(r, 300));
        expect(calls.filter((c) => c.startsWith(`${id}.late`))).toEqual([]);
        expect(['cancelled', undefined]).toContain((await bus.queue.get(`${id}.late`))?.status);
      });

      it('cancelling a paused parent ends it; retrying it resumes from its saved state', async () => {
        bus = await openBus();
        const calls: string[] = [];
        consume(bus, calls, [], 1);
        const id = await parent(bus, 'waves');
        await waitForStatus(bus, id, 'paused');
        await bus.queue.cancel(id);
        await waitForStatus(bus, id, 'cancelled');
        await bus.queue.retry(id);
        const done = await waitForStatus(bus, id, 'completed');
        expect((done.result as ParentResult).children).toHaveLength(5);
        expect(calls.filter((c) => c.startsWith(`${id}.`))).toHaveLength(5);
      });

      it('a parent that sleeps until a time is delayed, then runs again by itself', async () => {
        bus = await openBus();
        consume(bus);
        const id = await parent(bus, 'nap', '400');
        await waitForStatus(bus, id, 'delayed');
        const counts = await bus.queue.counts();
        expect([counts.delayed, counts.paused, counts.waiting]).toEqual([1, 0, 0]);
        const done = await waitForStatus(bus, id, 'completed');
        expect((done.result as ParentResult).children).toEqual([]);
      });

      it('a parent of many more children than its worker has slots runs them all', async () => {
        bus = await openBus();
        consume(bus, [], [], 4);
        const id = await parent(bus, 'many', '300');
        const done = await waitForStatus(bus, id, 'completed', 60_000);
        const children = (done.result as ParentResult).children;
        expect(children).toHaveLength(300);
        expect(new Set(children.map((c) => c.id)).size).toBe(300);
        expect(children.every((c) => c.status === 'completed')).toBe(true);
      }, 90_000);

      it('counts and lists parents by what they wait for', async () => {
        bus = await openBus();
        consume(bus, [], [], 3); // the blockers' children hold two slots until cancelled
        const waiting = await parent(bus, 'blockers');
        const paused = await parent(bus, 'waves');
        await waitForStatus(bus, waiting, 'waiting');
        await waitForStatus(bus, paused, 'paused');
        const counts = await bus.queue.counts();
        expect([counts.waiting, counts.paused]).toEqual([1, 1]);
        expect((await bus.queue.list({ status: 'waiting' })).map((j) => j.id)).toEqual([waiting]);
        expect((await bus.queue.list({ status: 'paused' })).map((j) => j.id)).toEqual([paused]);
        await bus.queue.cancel(waiting);
        await bus.queue.cancel(paused);
      });
    });
  });
  approvalContract(factory);
}
