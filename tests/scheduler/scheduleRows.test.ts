import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { scheduleRows } from '../../src/domain/scheduleRows';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';

const file = parseSchedulesFile(
  'schedules.yaml',
  'schedules:\n  - name: hourly\n    cron: "0 * * * *"\n    job: { run: [date] }\n  - name: off\n    cron: "@daily"\n    enabled: false\n    job: { run: [date] }\n',
  'UTC',
);
const hour = 3_600_000;
const now = Date.parse('2025-06-01T10:20:00Z');
const at = (h: number) => Date.parse('2025-06-01T00:00:00Z') + h * hour;

function job(id: string, tick: number, status: JobView['status'], extra: Partial<JobView> = {}): JobView {
  return {
    id,
    kind: 'command',
    status,
    step: 0,
    total: 0,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'schedule:hourly', host: 'h' },
    createdAt: tick,
    payload: { program: 'date' },
    schedule: { name: 'hourly', tick },
    ...extra,
  };
}

describe('scheduleRows', () => {
  it('gives each schedule its next ticks, its runs newest first and its last outcome', () => {
    const jobs = [
      job('a', at(8), 'completed', { startedAt: at(8) + 10, finishedAt: at(8) + 1_510 }),
      job('b', at(9), 'completed', {
        result: { skipped: 'overlap', reason: 'still running', previous: 'a' },
      }),
      job('c', at(10), 'failed', { startedAt: at(10) + 5, finishedAt: at(10) + 905, error: 'exit 1' }),
      // BullMQ's next tick, waiting for its time: not a run yet.
      job('d', at(11), 'delayed'),
      job('e', at(7), 'completed', { requestedBy: { user: 'ada', host: 'h' } }),
      job('x', at(9), 'completed', { schedule: undefined }),
    ];
    const { rows } = scheduleRows(file, jobs, now);
    const [hourly, off] = rows;
    expect(hourly.next).toEqual([at(11), at(12), at(13)]);
    expect(hourly.runs.map((r) => [r.jobId, r.outcome])).toEqual([
      ['d', 'delayed'],
      ['c', 'failed'],
      ['b', 'skipped'],
      ['a', 'completed'],
      ['e', 'completed'],
    ]);
    expect(hourly.last).toMatchObject({ jobId: 'c', outcome: 'failed', durationMs: 900, manual: false });
    expect(hourly.runs.find((r) => r.jobId === 'e')?.manual).toBe(true);
    expect(hourly.runs.find((r) => r.jobId === 'b')?.durationMs).toBeUndefined();
    expect(off).toMatchObject({ next: [], runs: [] });
    expect(off.last).toBeUndefined();
  });

  it('a tick that was missed reads as missed; with nothing ended yet the running one is the last', () => {
    const { rows } = scheduleRows(
      file,
      [
        job('m', at(9), 'completed', { result: { skipped: 'missed', reason: 'nobody up', ticks: 3 } }),
        job('r', at(10), 'active', { startedAt: at(10) }),
      ],
      now,
    );
    expect(rows[0].runs.map((r) => r.outcome)).toEqual(['active', 'missed']);
    expect(rows[0].last?.jobId).toBe('m');
    expect(scheduleRows(file, [job('r', at(10), 'active')], now).rows[0].last?.outcome).toBe('active');
  });
});
