import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus, JobView } from '../../src/domain/job';
import { deckSchedulesFor } from '../../src/services/scheduler/deckSchedules';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';

let deck: DeckSession | undefined;
let dir: string | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const instanceId = 'i-0cda8c8fcfbd8cef7';
const minute = 60_000;

function job(id: string, fields: Partial<JobView> & Pick<JobView, 'kind' | 'payload'>): JobView {
  const createdAt = Date.now() - 6 * minute;
  return {
    id,
    status: 'completed',
    step: 2,
    total: 2,
    attempts: 1,
    maxAttempts: 3,
    requestedBy: { user: 'ada', host: 'jump1' },
    createdAt,
    startedAt: createdAt,
    finishedAt: createdAt + 3_000,
    ...fields,
  };
}

/** What the review had on screen: a scheduled scan, an instance started from the Servers tab, a long failure. */
const jobs: JobView[] = [
  job('idem-638ddc07ae', {
    kind: 'scan',
    payload: { regions: ['eu-central-1', 'eu-west-1'], buckets: false },
    requestedBy: { user: 'schedule:scan-europe', host: 'jump1' },
    schedule: { name: 'scan-europe', tick: 1 },
  }),
  job('7', {
    kind: 'instances',
    payload: { action: 'start', region: 'ap-northeast-1', ids: [instanceId], wait: true },
  }),
  job('8', {
    kind: 'command',
    status: 'failed',
    attempts: 2,
    payload: { program: 'make', args: ['deploy'], shell: false },
    error: `make exited with code 2: ${'the build could not reach the artifact store, '.repeat(3)}`,
  }),
];

async function openJobs(size: { columns: number; rows: number }, list: JobView[] = jobs) {
  deck = await startDeck({ size, bus: stubDeckBus({ queue: { list: async () => list } }) });
  await deck.press('5');
  await deck.waitFor('idem-638ddc07ae');
  return deck;
}

const header = (frame: string) => frame.split('\n').find((l) => /^ {2}ID +KIND/.test(l)) ?? '';
const rowOf = (frame: string, id: string) =>
  frame.split('\n').find((l) => l.slice(2).startsWith(`${id} `)) ?? '';
/** An instance id drawn cut short: `i-0cda8c8…`. */
const cutId = /i-[0-9a-f]*…/;

describe('the Jobs table', () => {
  it('at 200 columns shows every column with BY and WHAT whole, however long an error is', async () => {
    const f = await (await openJobs({ columns: 200, rows: 50 })).waitFor('TOOK');
    expect(header(f)).toMatch(/^ {2}ID +KIND +STATUS +PROGRESS +TRY +BY +AGE +TOOK +WHAT/);
    expect(rowOf(f, 'idem-638ddc07ae')).toMatch(
      /completed +█+ 2\/2 +1\/3 +schedule:scan-europe +6m +3.0s scan eu-central-1, eu-west-1 \(no buckets\)/,
    );
    expect(rowOf(f, '7')).toContain(`start instance in ap-northeast-1: ${instanceId}`);
    expect(rowOf(f, '8')).toMatch(
      /failed +█+ 2\/2 +2\/3 +ada +6m +3.0s make deploy — make exited with code 2/,
    );
  });

  it('at 120 columns gives WHAT the instance id whole before who asked, the time taken and the attempts show', async () => {
    const f = await (await openJobs({ columns: 120, rows: 35 })).waitFor('PROGRESS');
    expect(header(f)).toMatch(/^ {2}ID +KIND +STATUS +PROGRESS +AGE +WHAT/);
    expect(rowOf(f, '7')).toContain(`start instance in ap-northeast-1: ${instanceId}`);
    expect(f).not.toMatch(cutId);
  });

  it('at 80 columns keeps id, kind, status, progress, age and WHAT, and cuts no id in two', async () => {
    const f = await (await openJobs({ columns: 80, rows: 24 })).waitFor('PROGRESS');
    expect(header(f)).toMatch(/^ {2}ID +KIND +STATUS +PROGRESS +AGE +WHAT/);
    expect(rowOf(f, '7')).toMatch(/start instance in …/);
    expect(f).not.toMatch(cutId);
    for (const columns of [90, 100, 110]) {
      await deck!.resize(columns, 24);
      const wider = await deck!.waitFor((frame) => header(frame).length > 0);
      expect(wider).not.toMatch(cutId);
    }
  });

  it('narrower than 80 columns still says what each job does: the progress bar and who asked go first', async () => {
    const f = await (await openJobs({ columns: 60, rows: 20 })).waitFor('WHAT');
    expect(header(f)).toMatch(/^ {2}ID +KIND +STATUS +AGE +WHAT/);
    expect(header(f)).not.toMatch(/PROGRESS|BY/);
    expect(rowOf(f, '7')).toMatch(/completed +6m start instance in/);
    expect(rowOf(f, '8')).toMatch(/failed +6m make deploy/);
    for (const columns of [61, 70, 79]) {
      await deck!.resize(columns, 24);
      const wider = await deck!.waitFor((frame) => header(frame).length > 0);
      expect(header(wider)).toMatch(/ WHAT/);
    }
  });

  it('shows the runs of a schedule (Enter on the Scheduler) with BY whole', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-jobs-table-'));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      'schedules:\n  - name: scan-europe\n    cron: "*/15 * * * *"\n    job: { kind: scan, regions: [eu-central-1, eu-west-1], buckets: false }\n',
    );
    deck = await startDeck({
      size: { columns: 120, rows: 35 },
      bus: stubDeckBus({ queue: { list: async () => jobs } }),
      services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC' }) },
    });
    await deck.press('7');
    await deck.waitFor(/scan-europe +enabled/);
    await deck.press('enter');
    const runs = await deck.waitFor('of schedule scan-europe');
    expect(rowOf(runs, 'idem-638ddc07ae')).toMatch(
      / 2\/2 +schedule:scan-europe +6m +3.0s scan eu-central-1, eu-west-1 \(no buckets\)/,
    );
  });
});

describe('the runs of a schedule', () => {
  it('start with the cursor on the newest run, wherever the cursor was on the whole list', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-jobs-runs-'));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      'schedules:\n  - name: heartbeat\n    cron: "* * * * *"\n    job: { run: [echo, beat] }\n',
    );
    const now = Date.now();
    const tickJob = (n: number) =>
      job(`tick-${n}`, {
        kind: 'command',
        payload: { program: 'echo', args: ['beat'], shell: false },
        requestedBy: { user: 'schedule:heartbeat', host: 'jump1' },
        schedule: { name: 'heartbeat', tick: now - n * minute },
        createdAt: now - n * minute,
      });
    // Three runs of heartbeat, newest first, then the three jobs of the review (older).
    const list = [tickJob(1), tickJob(2), tickJob(3), ...jobs];
    deck = await startDeck({
      size: { columns: 120, rows: 35 },
      bus: stubDeckBus({ queue: { list: async () => list } }),
      services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC' }) },
    });
    await deck.press('5');
    await deck.waitFor('idem-638ddc07ae');
    // The cursor on the last row of the whole list (row 6), which is no run of heartbeat.
    await deck.press('G');
    await deck.waitFor(/^> (7|8|idem-638ddc07ae) /m);
    await deck.press('7');
    await deck.waitFor(/heartbeat +enabled/);
    await deck.press('enter');
    const runs = await deck.waitFor('3 jobs of schedule heartbeat, newest first');
    expect(runs).toMatch(/^> tick-1 /m);
    await deck.press('enter');
    await deck.waitFor(/tick-1 +command/);
  });
});

describe('a schedule tick in the Jobs table', () => {
  // 2026-06-11 02:30 on this machine's clock: the ID column shows ticks in local time.
  const tick = new Date(2026, 5, 11, 2, 30).getTime();
  const tickId = `repeat:schedule:nightly-report:${tick}`;
  const ticks: JobView[] = [
    ...jobs,
    job(tickId, {
      kind: 'command',
      status: 'delayed',
      step: 0,
      total: 0,
      payload: { program: 'echo', args: ['the nightly report'], shell: false },
      requestedBy: { user: 'schedule:nightly-report', host: 'jump1' },
      schedule: { name: 'nightly-report', tick },
    }),
    job(`repeat:schedule:nightly-report:${tick - 86_400_000}`, {
      kind: 'command',
      payload: { program: 'echo', args: ['the nightly report'], shell: false },
      requestedBy: { user: 'schedule:nightly-report', host: 'jump1' },
      schedule: { name: 'nightly-report', tick: tick - 86_400_000 },
    }),
  ];

  it('shows its schedule whole and its tick, never `repeat:s…`, at 80, 120 and 200 columns; y copies the real id', async () => {
    const d = await openJobs({ columns: 120, rows: 35 }, ticks);
    for (const [columns, rows] of [
      [120, 35],
      [80, 24],
      [200, 50],
    ] as const) {
      await d.resize(columns, rows);
      // At 80 the progress bar goes for the tick's name and day (STATUS says how a job stands); what it does stays.
      const heading =
        columns === 80
          ? /^ {2}ID +KIND +STATUS +AGE +WHAT/
          : /^ {2}ID +KIND +STATUS +PROGRESS +(TRY +BY +)?AGE/;
      // The frame at the new size (the one before it may show the tick too).
      const f = await d.waitFor(
        (frame) => frame.includes('nightly-report 06-11 02:30') && heading.test(header(frame)),
      );
      expect(f, `${columns}`).toContain('nightly-report 06-10 02:30');
      expect(f, `${columns}`).not.toContain('repeat:s');
      expect(header(f), `${columns}`).toMatch(heading);
      // Beside it, the other rows are as before: the instance id is not cut at 120 columns and wider.
      if (columns >= 120) expect(rowOf(f, '7')).toContain(`start instance in ap-northeast-1: ${instanceId}`);
    }
    // The newest first: the pending tick is the first row; `y` copies the id the queue knows.
    await d.press('g');
    await d.press('y');
    const copied = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07$/.exec(d.osc().at(-1) ?? '')?.[1] ?? '';
    expect(Buffer.from(copied, 'base64').toString()).toBe(tickId);
  });
});

describe('a tick of a schedule with a long name in the Jobs table', () => {
  const name = 'fast-heartbeat-for-the-on-call-checks';
  // Every 5 seconds: the tick shows its seconds (`12-07 11:47:50`).
  const tick = new Date(2026, 11, 7, 11, 47, 50).getTime();
  const tickJob = job(`repeat:schedule:${name}:${tick}`, {
    kind: 'command',
    status: 'delayed',
    step: 0,
    total: 0,
    payload: { program: 'echo', args: ['beat'], shell: false },
    requestedBy: { user: `schedule:${name}`, host: 'jump1' },
    schedule: { name, tick },
  });

  it('keeps the tick whole and cuts the middle of the name at 80 columns; / still finds the whole name', async () => {
    const d = await openJobs({ columns: 80, rows: 24 }, [...jobs, tickJob]);
    const f = await d.waitFor((frame) => frame.includes('12-07 11:47:50'));
    const row = f.split('\n').find((l) => l.includes('11:47:50')) ?? '';
    // Not `fast-heartbeat…2-07 11:47:50`, which reads as February 7th.
    expect(row).toMatch(/^[> ] fast-h\S*…\S*checks 12-07 11:47:50 +command +delayed/);
    // Enter: its title names it as the row does, its state whole at 80 columns (not `repeat:schedule:…  C…`).
    await d.press('enter');
    const opened = await d.waitFor(/DELAYED/);
    expect(opened.split('\n')[1]).toMatch(
      /^fast-heartbeat-for-the-on-call-checks 12-07 11:47:50 {2}command {2}DELAYED/,
    );
    await d.press('esc');
    await d.waitFor(/^ {2}ID +KIND/m);
    await d.press('/');
    await d.type('for-the-on-call');
    await d.press('enter');
    await d.waitFor(/1 of 4 jobs/);
    expect(d.frame()).toContain('12-07 11:47:50');
    // The cancel question names it the same way, not by its 60-character id.
    await d.press('c');
    const asked = await d.waitFor('Cancel job');
    expect(asked).toContain(`Cancel job ${name} 12-07 11:47:50?`);
    expect(asked).not.toContain('repeat:schedule:');
  });
});

describe('the Jobs status filter', () => {
  const make = (id: string, status: JobStatus) =>
    job(id, { kind: 'command', status, payload: { program: 'make', args: [], shell: false } });

  it('names the status in the words of the console: f on approvals says "waiting for an approval"', async () => {
    const d = await openJobs({ columns: 120, rows: 35 }, [...jobs, make('9', 'approval_pending')]);
    await d.press(':');
    await d.type('jobs cancelled');
    await d.press('enter');
    await d.waitFor('No job cancelled (f changes the status filter)');
    await d.press('f'); // the status after cancelled
    const f = await d.waitFor('waiting for an approval ·');
    expect(f).toContain('1 of 4 jobs waiting for an approval');
    expect(f).not.toContain('approval_pending run');
  });

  it('keeps the columns of the jobs when the filter leaves none or one: at 80, no TRY, BY and TOOK squeezed in', async () => {
    const d = await openJobs({ columns: 80, rows: 24 });
    // The headings without the cursor's `1/3` at their right.
    const headings = (frame: string) =>
      header(frame)
        .replace(/\s+\d+\/\d+$/, '')
        .trimEnd();
    const all = headings(await d.waitFor('PROGRESS'));
    expect(all).toMatch(/^ {2}ID +KIND +STATUS +PROGRESS +AGE +WHAT/);
    for (const status of ['cancelled', 'failed', 'completed']) {
      await d.press(':');
      await d.type(`jobs ${status}`);
      await d.press('enter');
      const f = await d.waitFor(status === 'cancelled' ? 'No job cancelled' : `jobs ${status}`);
      // The same headings in the same places as over every job.
      expect(headings(f), status).toBe(all);
    }
    // A schedule with no run: its empty list is laid out as the jobs are too.
    d.store.getState().actions.jobs.setStatusFilter(undefined);
    d.store.getState().actions.jobs.setScheduleFilter('uptime');
    const runs = await d.waitFor('No run of uptime');
    expect(headings(runs)).toBe(all);
  });
});
