import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { formatDuration } from '../../src/domain/jobText';
import { NextTicks } from '../../src/domain/scheduleNext';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { jobColumns } from '../../src/screens/jobs/jobColumns';
import { jobHeaderLines } from '../../src/screens/jobs/jobDetailsText';
import { scheduleNote } from '../../src/screens/scheduler/scheduleNote';
import { schedulerRows } from '../../src/screens/scheduler/schedulerRows';

const t0 = Date.parse('2025-06-01T08:30:00Z');

function job(id: string, took: number): JobView {
  return {
    id,
    kind: 'command',
    status: 'completed',
    step: 1,
    total: 1,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'ada', host: 'jump1' },
    createdAt: t0,
    startedAt: t0,
    finishedAt: t0 + took,
    payload: { program: 'echo', args: ['hi'] },
  };
}

// A deploy of 686 ms read `0s` on the Jobs tab and `took 0s` above its log, where `infradeck jobs` and the
// attempts under the same log said 686ms; a 9m27s job read `9m`.
describe('a measured duration on the Jobs tab and the Scheduler tab reads as the command line and the attempts say', () => {
  const took = jobColumns(() => t0 + 3_600_000).find((c) => c.key === 'took')!;

  it.each([
    [686, '686ms'],
    [3_200, '3.2s'],
    [567_000, '9m27s'],
    [86_340_000, '23h59m'],
  ])('a job that took %i ms reads %s in TOOK and above its log', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(took.value(job('1', ms))).toBe(text);
    expect(took.width).toBeGreaterThanOrEqual(text.length);
    expect(jobHeaderLines(job('1', ms), '1', t0 + 3_600_000)[2]).toMatch(new RegExp(` · took ${text}$`));
  });

  it("says how long a schedule's last run took under the table in the same form", () => {
    const file = parseSchedulesFile(
      'schedules.yaml',
      'schedules:\n  - name: every-minute\n    cron: "* * * * *"\n    timezone: UTC\n    job: { run: [date] }\n',
      'UTC',
    );
    const tick: JobView = {
      ...job('a', 20_000),
      requestedBy: { user: 'schedule:every-minute', host: 'h' },
      schedule: { name: 'every-minute', tick: t0 },
    };
    const row = schedulerRows(file, [tick]).find((r) => r.name === 'every-minute');
    const note = scheduleNote(row, new NextTicks(file.schedules), t0 + 30_000, 1);
    expect(note.text).toContain('(took 20.0s)');
  });
});

describe('the who-and-when line above a job’s output', () => {
  it('gives each value whole or not at all at 80 columns, and a job going on "running for", not "took"', () => {
    const name = 'fast-heartbeat-for-the-on-call-checks';
    const tick: JobView = {
      ...job('t', 3_200),
      id: `repeat:schedule:${name}:${t0}`,
      requestedBy: { user: `schedule:${name}`, host: 'jump1.example.internal' },
      worker: 'jump1.example.internal:4242',
    };
    const line = jobHeaderLines(tick, tick.id, t0 + 3_600_000, undefined, undefined, 80)[2];
    expect(line.length).toBeLessThanOrEqual(80);
    // Not `… queued 11:47…`: what is shown of it is whole.
    expect(line).toMatch(
      /^by schedule:fast-heartbeat-for-the-on-call-checks@jump1\.example\.internal( · on \S+)?( · queued [^·…]+)?( · took 3\.2s)?$/,
    );
    const running: JobView = { ...job('r', 0), status: 'active', finishedAt: undefined };
    expect(jobHeaderLines(running, 'r', t0 + 5_000)[2]).toMatch(/ · running for 5\.0s$/);
  });
});
