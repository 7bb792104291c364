import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { CommandResult, JobView } from '../../src/domain/job';
import { isSkippedTick } from '../../src/domain/schedule';
import { parseSchedulesFile, type SchedulesFile } from '../../src/domain/scheduleSource';
import { classifyEvent, type LaneHit, laneIndex } from '../../src/domain/timelineLanes';
import type { Bus, Handler, JobConsumer } from '../../src/services/bus/contracts';
import type { Scheduler } from '../../src/services/scheduler/scheduler';
import { TickGate } from '../../src/services/scheduler/tickGate';
import { waitFor } from '../bus/contractSuite';

/** One transport as the scheduler contract sees it. */
export interface SchedulerTransport {
  name: string;
  /** A fresh bus (its own Redis prefix) and the workspace folder of this test. */
  openBus(dataDir: string): Promise<Bus>;
  /** A scheduler as one more process on that bus and workspace would open it. */
  openScheduler(bus: Bus, dataDir: string): Promise<Scheduler>;
  /** The id a tick's job gets. */
  jobIdOf(name: string, tick: number): string;
  cleanup?(): Promise<void>;
}

/** What the `command` handler of these tests did: one entry per run, with when it started and ended. */
interface Run {
  jobId: string;
  start: number;
  end?: number;
}

const ok: CommandResult = { exitCode: 0, lines: 0, droppedLines: 0 };

/** `run: [sleep-ms, N]`: takes N ms (the transport cannot tell it from a real program). */
function timedHandler(runs: Run[]): Handler<'command'> {
  return async (payload, ctx) => {
    const run: Run = { jobId: ctx.jobId, start: Date.now() };
    runs.push(run);
    await new Promise((resolve) => setTimeout(resolve, Number(payload.args[0] ?? 0)));
    run.end = Date.now();
    return ok;
  };
}

function schedules(entries: string): SchedulesFile {
  return parseSchedulesFile('schedules.yaml', `schedules:\n${entries}`, 'UTC');
}

/** An every-second schedule running `sleep-ms MS`. */
function everySecond(name: string, ms: number, extra = ''): string {
  return `  - name: ${name}\n    cron: "* * * * * *"\n    job: { run: [sleep-ms, "${ms}"] }\n${extra}`;
}

const byTick = (a: JobView, b: JobView) => (a.schedule?.tick ?? 0) - (b.schedule?.tick ?? 0);

export function schedulerContract(transport: SchedulerTransport): void {
  describe(`scheduler contract: ${transport.name}`, () => {
    let dataDir: string;
    const toClose: Array<() => Promise<unknown>> = [];

    afterEach(async () => {
      for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
      await transport.cleanup?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function world() {
      dataDir = mkdtempSync(join(tmpdir(), 'infradeck-schedules-'));
      const bus = await transport.openBus(dataDir);
      toClose.push(() => bus.close());
      expect(await bus.state.whenConnected(5000)).toBe(true);
      const runs: Run[] = [];
      const open = async () => {
        const scheduler = await transport.openScheduler(bus, dataDir);
        toClose.push(() => scheduler.close());
        return scheduler;
      };
      /** Workers whose handlers go through the gate of `scheduler` (the one that knows the ticks). */
      const workers = (scheduler: Scheduler, concurrency = 2): JobConsumer => {
        const gate = new TickGate({ pollMs: 50 });
        gate.attach(scheduler, bus.queue, () => bus.workers());
        const consumer = bus.consume(gate.wrap({ command: timedHandler(runs) }), {
          concurrency,
          heartbeatMs: 200,
        });
        toClose.push(() => consumer.close({ graceMs: 0 }));
        return consumer;
      };
      const jobsOf = async (name: string) =>
        (await bus.queue.list({ limit: 1000 })).filter((v) => v.schedule?.name === name).sort(byTick);
      const finished = (name: string, n: number, timeoutMs = 15_000) =>
        waitFor(
          `${n} finished runs of ${name}`,
          async () => {
            const done = (await jobsOf(name)).filter((v) => v.status === 'completed');
            return done.length >= n ? done : undefined;
          },
          timeoutMs,
        );
      return { bus, runs, open, workers, jobsOf, finished };
    }

    it('makes one job per tick, asked for by schedule:NAME, named by the schedule and its tick, with an id from both', async () => {
      const w = await world();
      const scheduler = await w.open();
      w.workers(scheduler);
      const report = await scheduler.sync(schedules(everySecond('tick', 0)));
      expect(report.registered).toEqual(['tick']);
      const done = await w.finished('tick', 3);
      const ticks = done.map((v) => v.schedule!.tick);
      for (const [i, view] of done.entries()) {
        expect(view.schedule!.tick % 1000).toBe(0);
        if (i > 0) expect(view.schedule!.tick - ticks[i - 1]).toBe(1000);
        expect(view.id).toBe(transport.jobIdOf('tick', view.schedule!.tick));
        expect(view.requestedBy.user).toBe('schedule:tick');
        expect(view.kind).toBe('command');
        expect(view.attempts).toBe(1);
      }
      expect(new Set(ticks).size).toBe(ticks.length);
      const registered = await scheduler.registered();
      expect([...registered.keys()]).toEqual(['tick']);
      expect(registered.get('tick')).toBeGreaterThan(ticks[ticks.length - 1]);
      // The audit trail has who asked: the schedule.
      await waitFor('the enqueue of a tick in the audit trail', async () =>
        (await w.bus.audit.list()).some(
          (e) => e.action === 'job.enqueue' && e.who.user === 'schedule:tick' && e.jobId === done[0].id,
        ),
      );
    });

    it('says each tick once on the event stream: one job.queued from schedule:NAME, one mark on the schedules lane', async () => {
      const w = await world();
      const events: DeckEvent[] = [];
      const off = w.bus.events.subscribe('live', (e) => events.push(e));
      toClose.push(async () => off());
      const scheduler = await w.open();
      w.workers(scheduler);
      await scheduler.sync(schedules(everySecond('tick', 0)));
      const done = await w.finished('tick', 3);
      const queuedOf = (id: string) => events.filter((e) => e.type === 'job.queued' && e.jobId === id);
      // Over Redis a job scheduler makes the tick's job (no enqueue): it is said when it first starts.
      await waitFor('each tick said queued', async () => done.every((v) => queuedOf(v.id).length > 0));
      const hits: LaneHit[] = [];
      for (const view of done) {
        const queued = queuedOf(view.id);
        expect(queued).toHaveLength(1);
        expect(queued[0].source).toMatchObject({ user: 'schedule:tick' });
        expect(queued[0].data).toMatchObject({
          kind: 'command',
          summary: expect.stringContaining('sleep-ms'),
        });
        let marks = 0;
        for (const e of events.filter((e) => e.jobId === view.id)) {
          const n = classifyEvent(e, hits);
          for (let i = 0; i < n; i++) if (hits[i].lane === laneIndex.schedules) marks++;
        }
        expect(marks).toBe(1);
      }
    });

    it('registering the same file again, from this process or another, changes nothing: still one job per tick', async () => {
      const w = await world();
      const first = await w.open();
      const second = await w.open();
      w.workers(first);
      const file = schedules(everySecond('tick', 0));
      await first.sync(file);
      const again = await first.sync(file);
      expect(again.registered).toEqual([]);
      expect(again.unchanged).toEqual(['tick']);
      // Another process: over Redis it registers the same (unchanged); in memory the workspace lock says another
      // process runs the schedules.
      const other = await second.sync(file);
      expect(other.registered).toEqual([]);
      expect(other.notRunning !== undefined || other.unchanged.includes('tick')).toBe(true);
      const done = await w.finished('tick', 4);
      const ticks = done.map((v) => v.schedule!.tick);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(w.runs.length).toBe(new Set(w.runs.map((r) => r.jobId)).size);
    });

    it('a schedule removed from the file, or disabled, stops; an invalid one keeps its registration', async () => {
      const w = await world();
      const scheduler = await w.open();
      w.workers(scheduler);
      await scheduler.sync(schedules(everySecond('a', 0) + everySecond('b', 0) + everySecond('c', 0)));
      expect([...(await scheduler.registered()).keys()].sort()).toEqual(['a', 'b', 'c']);
      const report = await scheduler.sync(
        schedules(
          `${everySecond('b', 0, '    enabled: false\n')}  - name: c\n    cron: "*/0 * * * * *"\n    job: { run: [date] }\n`,
        ),
      );
      expect(report.removed.sort()).toEqual(['a', 'b']);
      expect(report.invalid).toEqual(['c']);
      expect([...(await scheduler.registered()).keys()]).toEqual(['c']);
      const before = (await w.jobsOf('c')).length;
      await waitFor('c to go on ticking', async () => (await w.jobsOf('c')).length >= before + 2);
      const removedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const name of ['a', 'b'])
        for (const view of await w.jobsOf(name)) expect(view.schedule!.tick).toBeLessThan(removedAt);
    });

    it('overlap: skip ends a tick that comes while the previous run still runs, recording it skipped', async () => {
      const w = await world();
      const scheduler = await w.open();
      w.workers(scheduler, 3);
      await scheduler.sync(schedules(everySecond('slow', 2300, '    overlap: skip\n')));
      const jobs = await waitFor(
        'a skipped tick and two runs',
        async () => {
          const all = await w.jobsOf('slow');
          const skipped = all.filter((v) => isSkippedTick(v.result));
          const ran = all.filter((v) => v.status === 'completed' && !isSkippedTick(v.result));
          return skipped.length >= 1 && ran.length >= 2 ? all : undefined;
        },
        20_000,
      );
      const skipped = jobs.find((v) => isSkippedTick(v.result))!;
      expect(skipped.result).toMatchObject({ skipped: 'overlap', previous: expect.any(String) });
      // No two runs of the schedule at once.
      const ended = w.runs.filter((r) => r.end !== undefined).sort((a, b) => a.start - b.start);
      for (let i = 1; i < ended.length; i++) expect(ended[i].start).toBeGreaterThanOrEqual(ended[i - 1].end!);
      expect(w.runs.map((r) => r.jobId)).not.toContain(skipped.id);
    });

    it('overlap: queue runs a tick that comes while the previous run still runs right after it, never beside it', async () => {
      const w = await world();
      const scheduler = await w.open();
      w.workers(scheduler, 3);
      await scheduler.sync(schedules(everySecond('queued', 1300, '    overlap: queue\n')));
      const done = await w.finished('queued', 3, 25_000);
      expect(done.filter((v) => isSkippedTick(v.result))).toEqual([]);
      const ran = w.runs
        .filter((r) => r.end !== undefined && done.some((v) => v.id === r.jobId))
        .sort((a, b) => a.start - b.start);
      expect(ran.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < ran.length; i++) expect(ran[i].start).toBeGreaterThanOrEqual(ran[i - 1].end!);
      // Each run is for a later tick than the one before it.
      const order = ran.map((r) => done.find((v) => v.id === r.jobId)!.schedule!.tick);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    for (const catchUp of [true, false]) {
      it(`ticks missed while nothing ran: one job for the first; catchUp ${catchUp} ${catchUp ? 'runs it' : 'records them missed'}`, async () => {
        const w = await world();
        const extra = `    catchUp: ${catchUp}\n`;
        const file = schedules(everySecond('late', 0, extra));
        let scheduler = await w.open();
        let workers = w.workers(scheduler);
        await scheduler.sync(file);
        const before = await w.finished('late', 1);
        // Everything that runs ticks stops: the workers and (in memory) the scheduler itself.
        await workers.close({ graceMs: 0 });
        if (scheduler.transport === 'memory') await scheduler.close();
        const stoppedAt = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 3200));
        if (scheduler.transport === 'memory') {
          scheduler = await w.open();
          await scheduler.sync(file);
        }
        workers = w.workers(scheduler);
        const recovered = await waitFor('the job of the first missed tick', async () =>
          (await w.jobsOf('late')).find(
            (v) => v.schedule!.tick > before.at(-1)!.schedule!.tick && v.status === 'completed',
          ),
        );
        expect(recovered.schedule!.tick).toBeLessThanOrEqual(stoppedAt + 1000);
        const late = (await w.jobsOf('late')).filter(
          (v) => v.schedule!.tick > before.at(-1)!.schedule!.tick && v.schedule!.tick < stoppedAt + 3000,
        );
        // One job for the whole outage, not one per missed tick.
        expect(late.map((v) => v.id)).toEqual([recovered.id]);
        if (catchUp) {
          expect(isSkippedTick(recovered.result)).toBe(false);
          expect(w.runs.map((r) => r.jobId)).toContain(recovered.id);
        } else {
          expect(recovered.result).toMatchObject({ skipped: 'missed', ticks: expect.any(Number) });
          expect((recovered.result as { ticks: number }).ticks).toBeGreaterThanOrEqual(3);
          expect(w.runs.map((r) => r.jobId)).not.toContain(recovered.id);
        }
      }, 30_000);
    }
  });
}
