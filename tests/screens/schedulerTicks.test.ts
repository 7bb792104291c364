import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { NextTicks } from '../../src/domain/scheduleNext';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { runSparkline, scheduleColumns } from '../../src/screens/scheduler/scheduleColumns';
import { scheduleNote } from '../../src/screens/scheduler/scheduleNote';
import { schedulerRows } from '../../src/screens/scheduler/schedulerRows';

const file = parseSchedulesFile(
  'schedules.yaml',
  'schedules:\n  - name: every-minute\n    cron: "* * * * *"\n    timezone: UTC\n    job: { run: [date] }\n  - name: broken\n    cron: "61 * * * *"\n    job: { run: [date] }\n',
  'UTC',
);
const minute = 60_000;
const t0 = Date.parse('2025-06-01T08:30:00Z');

function tick(id: string, at: number, status: JobView['status'], extra: Partial<JobView> = {}): JobView {
  return {
    id,
    kind: 'command',
    status,
    step: 0,
    total: 0,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'schedule:every-minute', host: 'h' },
    createdAt: at - minute,
    payload: { program: 'date' },
    schedule: { name: 'every-minute', tick: at },
    ...extra,
  };
}

// Two ticks ran; BullMQ keeps the next one (08:32) as a delayed job until a worker takes it.
const jobs = [
  tick('a', t0, 'completed', { startedAt: t0 + 50, finishedAt: t0 + 2_050 }),
  tick('b', t0 + minute, 'completed', { startedAt: t0 + minute + 50, finishedAt: t0 + minute + 20_050 }),
  tick('c', t0 + 2 * minute, 'delayed'),
];

function cells(now: number) {
  const rows = schedulerRows(file, jobs);
  const columns = scheduleColumns(
    () => new NextTicks(file.schedules),
    () => now,
    true,
  );
  const cell = (key: string, name: string) =>
    columns.find((c) => c.key === key)!.value(rows.find((r) => r.name === name)!);
  return { rows, cell };
}

describe('the Scheduler tab and the tick a worker has not taken yet', () => {
  it('draws only the runs that happened in RUNS: the waiting tick is no bar', () => {
    const { rows } = cells(t0 + 2 * minute - 10_000);
    const row = rows.find((r) => r.name === 'every-minute')!;
    expect(row.runs.map((r) => r.jobId)).toEqual(['b', 'a']);
    expect(row.waiting?.jobId).toBe('c');
    expect(runSparkline(row, 4, true)).toBe('  ▂█');
  });

  it('counts down to the tick before it is due, then says how late it is, not the tick after it', () => {
    expect(cells(t0 + 2 * minute - 10_000).cell('next', 'every-minute')).toBe('in 10s');
    // Just past its time: a worker takes it within Redis's timer, that is not late.
    expect(cells(t0 + 2 * minute + 500).cell('next', 'every-minute')).toBe('in 59s');
    expect(cells(t0 + 2 * minute + 16_000).cell('next', 'every-minute')).toBe('late 16s');
  });

  it('takes no dropped tick for a late one: a view of a job its cron no longer makes, or older than the ready one', () => {
    const now = t0 + 5 * minute;
    const rowWith = (views: JobView[]) => schedulerRows(file, views).find((r) => r.name === 'every-minute')!;
    const next = scheduleColumns(
      () => new NextTicks(file.schedules),
      () => now,
      true,
    ).find((c) => c.key === 'next')!;
    // Rewritten from `*/30 * * * * *` (a tick at :30) to every minute: BullMQ dropped the :30 job, no event said so.
    expect(next.value(rowWith([tick('x', t0 + 4 * minute + 30_000, 'delayed')]))).toBe('in 1m');
    // Paused, then enabled again: the ready job is the newer one.
    const both = rowWith([tick('old', t0 + minute, 'delayed'), tick('new', t0 + 6 * minute, 'delayed')]);
    expect(both.waiting?.jobId).toBe('new');
    expect(next.value(both)).toBe('in 1m');
  });

  it('says under the table which tick is late and that no worker is up', () => {
    const now = t0 + 2 * minute + 16_000;
    const row = schedulerRows(file, jobs).find((r) => r.name === 'every-minute');
    const note = scheduleNote(row, new NextTicks(file.schedules), now, 0);
    expect(note.tone).toBe('warn');
    expect(note.text).toBe(
      'every-minute · the tick of 2025-06-01 08:32:00 is 16s late: no worker is up (infradeck worker runs the ticks) · Every minute',
    );
    expect(scheduleNote(row, new NextTicks(file.schedules), now, 2).text).toContain(
      'is 16s late: no worker has taken it yet (2 up)',
    );
  });

  it('reads an entry with errors short in WHEN (what is wrong), its whole error under the table', () => {
    const now = t0;
    const { cell, rows } = cells(now);
    expect(cell('when', 'broken')).toBe('invalid cron');
    expect(
      scheduleNote(
        rows.find((r) => r.name === 'broken'),
        undefined,
        now,
      ).text,
    ).toBe(
      'broken · schedules.yaml:7:11: schedules[1].cron: minute 61 is out of range (0-59) · E edits the file',
    );
  });
});

describe('the Scheduler rows', () => {
  it('are in file order: an invalid entry stands where the file has it, between the valid ones', () => {
    const text = [
      'schedules:',
      '  - { name: first, cron: "* * * * *", job: { run: [date] } }',
      '  - { name: bad-one, cron: "61 * * * *", job: { run: [date] } }',
      '  - { name: second, cron: "0 * * * *", job: { run: [date] } }',
      '  - { name: bad-two, cron: "* * * * *" }',
      '  - { name: third, cron: "0 0 * * *", job: { run: [date] } }',
    ].join('\n');
    const rows = schedulerRows(parseSchedulesFile('schedules.yaml', text, 'UTC'), []);
    expect(rows.map((r) => r.name)).toEqual(['first', 'bad-one', 'second', 'bad-two', 'third']);
    expect(rows.map((r) => r.schedule === undefined)).toEqual([false, true, false, true, false]);
  });
});
