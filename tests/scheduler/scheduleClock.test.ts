import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobSpec } from '../../src/domain/job';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import type { JobQueue } from '../../src/services/bus/contracts';
import { jobIdForKey } from '../../src/services/bus/jobIds';
import { MemoryScheduler } from '../../src/services/scheduler/memoryScheduler';
import { scheduleRepeatStrategy } from '../../src/services/scheduler/repeatStrategy';
import { TickGate } from '../../src/services/scheduler/tickGate';
import { tickStatePath } from '../../src/services/scheduler/tickState';

/** A queue that only records what the scheduler asks of it (the ticks), with the ids the real one would give. */
function recordingQueue(): JobQueue & { specs: JobSpec[] } {
  const specs: JobSpec[] = [];
  return {
    specs,
    enqueue: async (spec) => {
      specs.push(spec);
      return jobIdForKey(spec.idempotencyKey!);
    },
    list: async () => [],
    get: async () => undefined,
    cancel: async () => {},
    retry: async () => {},
    resume: async () => {},
    approve: async () => {},
    reject: async () => {},
    counts: async () => ({
      queued: 0,
      active: 0,
      waiting: 0,
      paused: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      approval_pending: 0,
      rejected: 0,
    }),
    logs: async () => [],
  };
}

function file(cron: string, extra = '') {
  const text = `schedules:\n  - name: nightly\n    cron: "${cron}"\n    timezone: Europe/Berlin\n    job: { run: [echo, report] }\n${extra}`;
  return parseSchedulesFile('schedules.yaml', text, 'UTC');
}

const iso = (ms: number) => new Date(ms).toISOString();
const hour = 3_600_000;
const day = 24 * hour;

describe('the in-process scheduler on a fake clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [what, start, expected] of [
    // 02:30 does not exist in Berlin on 30 March 2025 (02:00 CET -> 03:00 CEST): it runs once, at 03:00.
    ['spring forward', '2025-03-29T12:00:00Z', ['2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z']],
    // 02:30 happens twice on 26 October 2025 (03:00 CEST -> 02:00 CET): it runs once, at the first.
    ['fall back', '2025-10-25T12:00:00Z', ['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']],
  ] as const) {
    it(`a daily 02:30 in Europe/Berlin runs exactly once on the ${what} day, and the day after`, async () => {
      vi.useFakeTimers({ now: new Date(start), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
      const queue = recordingQueue();
      const scheduler = new MemoryScheduler({ queue });
      await scheduler.sync(file('30 2 * * *'));
      await vi.advanceTimersByTimeAsync(2 * day);
      await scheduler.close();
      const ticks = queue.specs.map((s) => iso(s.schedule!.tick));
      expect(ticks).toEqual(expected);
      // The job of the day names its tick; the id follows from it.
      expect(queue.specs[0]).toMatchObject({
        kind: 'command',
        requestedBy: { user: 'schedule:nightly' },
        idempotencyKey: `schedule:nightly:${Date.parse(expected[0])}`,
        schedule: { name: 'nightly', tick: Date.parse(expected[0]) },
      });
    });
  }

  it('an hourly schedule in Berlin skips the hour that does not exist and runs through the repeated one', async () => {
    vi.useFakeTimers({
      now: new Date('2025-10-25T22:30:00Z'),
      toFake: ['Date', 'setTimeout', 'clearTimeout'],
    });
    const queue = recordingQueue();
    const scheduler = new MemoryScheduler({ queue });
    await scheduler.sync(file('0 * * * *'));
    await vi.advanceTimersByTimeAsync(4 * hour);
    await scheduler.close();
    // 00:00, 01:00, 02:00 CEST, 02:00 CET, 03:00 CET: one tick per real hour.
    expect(queue.specs.map((s) => iso(s.schedule!.tick))).toEqual([
      '2025-10-25T23:00:00.000Z',
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T01:00:00.000Z',
      '2025-10-26T02:00:00.000Z',
    ]);
  });
});

describe("BullMQ's repeat strategy over Redis", () => {
  it('ticks at the same instants as the in-process scheduler, DST days included', () => {
    const opts = { pattern: '30 2 * * *', tz: 'Europe/Berlin' };
    const ticks: string[] = [];
    // BullMQ asks with the later of the last tick and now; the answer is the first tick after it.
    for (let at = Date.parse('2025-03-29T12:00:00Z'), i = 0; i < 2; i++) {
      at = scheduleRepeatStrategy(at, opts)!;
      ticks.push(iso(at));
    }
    for (let at = Date.parse('2025-10-25T12:00:00Z'), i = 0; i < 2; i++) {
      at = scheduleRepeatStrategy(at, opts)!;
      ticks.push(iso(at));
    }
    expect(ticks).toEqual([
      '2025-03-30T01:00:00.000Z',
      '2025-03-31T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
    ]);
    expect(
      scheduleRepeatStrategy(Date.parse('2025-01-01T00:00:00.400Z'), { pattern: '* * * * * *', tz: 'UTC' }),
    ).toBe(Date.parse('2025-01-01T00:00:01Z'));
  });
});

describe('catchUp on a fake clock', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'infradeck-catchup-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The workspace's state as a process that ran the schedule until `until` left it. */
  function ranUntil(until: string, cron = '0 * * * *') {
    const path = tickStatePath(dataDir);
    mkdirSync(dirname(path), { recursive: true });
    const state = {
      v: 1,
      schedules: { nightly: { definition: `${cron}|Europe/Berlin`, handledUntil: Date.parse(until) } },
    };
    writeFileSync(path, JSON.stringify(state));
  }

  async function restartAt(now: string, catchUp: boolean) {
    const queue = recordingQueue();
    const clock = { now: Date.parse(now) };
    const scheduler = new MemoryScheduler({ queue, dataDir, now: () => clock.now });
    await scheduler.sync(file('0 * * * *', `    catchUp: ${catchUp}\n`));
    const gate = new TickGate({ now: () => clock.now });
    // The only worker is this process, up since the restart.
    gate.attach(scheduler, queue, async () => [{ startedAt: clock.now }]);
    const spec = queue.specs[0];
    const admission = spec
      ? await gate.admit({
          jobId: jobIdForKey(spec.idempotencyKey!),
          attempt: 1,
          requestedBy: spec.requestedBy,
          signal: new AbortController().signal,
        })
      : undefined;
    await scheduler.close();
    return { specs: queue.specs, admission };
  }

  it('ticks missed while no process ran: catchUp true runs one job, for the first of them', async () => {
    ranUntil('2025-06-01T06:00:00Z');
    const { specs, admission } = await restartAt('2025-06-01T09:20:00Z', true);
    expect(specs.map((s) => iso(s.schedule!.tick))).toEqual(['2025-06-01T07:00:00.000Z']);
    expect(admission).toEqual({ run: true });
  });

  it('catchUp false makes the same one job, which records the ticks as missed instead of running', async () => {
    ranUntil('2025-06-01T06:00:00Z');
    const { specs, admission } = await restartAt('2025-06-01T09:20:00Z', false);
    expect(specs).toHaveLength(1);
    expect(admission).toEqual({
      run: false,
      result: expect.objectContaining({ skipped: 'missed', ticks: 3 }),
    });
    expect((admission as { result: { reason: string } }).result.reason).toContain('3 ticks went by');
  });

  it('a late tick that only waited for a free worker (one was up at the tick) runs, catchUp false or not', async () => {
    const gate = new TickGate({ now: () => Date.parse('2025-06-01T09:20:00Z') });
    const tick = Date.parse('2025-06-01T07:00:00Z');
    const info = {
      ref: { name: 'nightly', tick },
      rules: {
        name: 'nightly',
        cron: '0 * * * *',
        timezone: 'Europe/Berlin',
        overlap: 'skip' as const,
        catchUp: false,
      },
      firstStart: true,
    };
    gate.attach({ tickOf: async () => info }, recordingQueue(), async () => [{ startedAt: tick - hour }]);
    expect(await gate.missed(info)).toBeUndefined();
    // Nobody up now was up then: the same tick is missed.
    gate.attach({ tickOf: async () => info }, recordingQueue(), async () => [{ startedAt: tick + hour }]);
    expect(await gate.missed(info)).toMatchObject({ skipped: 'missed', ticks: 3 });
  });

  it('nothing missed, nothing made: a restart between two ticks', async () => {
    ranUntil('2025-06-01T07:00:00Z');
    const { specs } = await restartAt('2025-06-01T07:40:00Z', false);
    expect(specs).toEqual([]);
  });

  it('a schedule whose cron changed while nothing ran starts afresh (its old ticks are not its new ones)', async () => {
    const path = tickStatePath(dataDir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      JSON.stringify({
        v: 1,
        schedules: { nightly: { definition: '30 2 * * *|Europe/Berlin', handledUntil: 0 } },
      }),
    );
    const { specs } = await restartAt('2025-06-01T09:20:00Z', true);
    expect(specs).toEqual([]);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved.schedules.nightly.definition).toBe('0 * * * *|Europe/Berlin');
  });

  it('the state file records the ticks handled, so a stop and start misses nothing it ran', async () => {
    vi.useFakeTimers({
      now: new Date('2025-06-01T06:59:00Z'),
      toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    });
    try {
      const queue = recordingQueue();
      const scheduler = new MemoryScheduler({ queue, dataDir });
      await scheduler.sync(file('0 * * * *'));
      await vi.advanceTimersByTimeAsync(2 * hour);
      await scheduler.close();
      expect(queue.specs.map((s) => iso(s.schedule!.tick))).toEqual([
        '2025-06-01T07:00:00.000Z',
        '2025-06-01T08:00:00.000Z',
      ]);
      const saved = JSON.parse(readFileSync(tickStatePath(dataDir), 'utf8'));
      expect(saved.schedules.nightly.handledUntil).toBe(Date.parse('2025-06-01T08:59:00Z'));
    } finally {
      vi.useRealTimers();
    }
  });
});
