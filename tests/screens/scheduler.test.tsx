import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deckBusOf } from '../../src/openWorkspace';
import { runSparkline, scheduleColumns } from '../../src/screens/scheduler/scheduleColumns';
import { type SchedulerRow, schedulerRows } from '../../src/screens/scheduler/schedulerRows';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { deckSchedulesFor } from '../../src/services/scheduler/deckSchedules';
import { command } from '../../src/worker/handlers/command';
import { confirmText } from '../harness/confirmBox';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

const yaml = `schedules:
  # nightly, Berlin time
  - name: nightly
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    job: { run: [echo, hi] }
  - name: hourly
    cron: "@hourly"
    job: { run: [echo, tick] }
`;

let dir: string;
let bus: Bus | undefined;
let deck: DeckSession | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-scheduler-ui-'));
  writeFileSync(join(dir, 'schedules.yaml'), yaml);
});
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openScheduler(opts: { readOnly?: boolean; size?: { columns: number; rows: number } } = {}) {
  bus = openMemoryBus({ handlers: { command }, requester: operator, dataDir: dir });
  deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: { schedules: deckSchedulesFor(dir, { TZ: 'UTC', EDITOR: 'my-editor --wait' }) },
    readOnly: opts.readOnly,
    size: opts.size ?? { columns: 120, rows: 30 },
  });
  await deck.press('7');
  await deck.waitFor(/nightly\S* +enabled/);
  return deck;
}

const audit = async () => (await bus!.audit.list()).filter((e) => e.action.startsWith('schedule.'));

describe('the Scheduler screen', () => {
  it('refuses e and E in read-only mode, leaves the file alone and audits the refusals', async () => {
    const d = await openScheduler({ readOnly: true });
    await d.press('e');
    await d.waitFor('disable nightly: refused, infradeck runs read-only');
    let edited = false;
    d.deck.runInTerminal = async () => {
      edited = true;
      return 0;
    };
    await d.press('E');
    await d.waitFor(/edit .*schedules\.yaml: refused, infradeck runs read-only/);
    expect(edited).toBe(false);
    expect(readFileSync(join(dir, 'schedules.yaml'), 'utf8')).toBe(yaml);
    const entries = await audit();
    expect(entries.map((e) => [e.action, e.outcome, e.reason, e.who.user])).toEqual([
      ['schedule.disable', 'rejected', 'read-only mode', 'ada'],
      ['schedule.edit', 'rejected', 'read-only mode', 'ada'],
    ]);
  });

  it('E opens $EDITOR on schedules.yaml, then checks the file: an error with its place, the valid schedule kept', async () => {
    const d = await openScheduler();
    const ran: string[][] = [];
    d.deck.runInTerminal = async (program, args) => {
      ran.push([program, ...args]);
      writeFileSync(join(dir, 'schedules.yaml'), yaml.replace('"@hourly"', '"*/0 * * * *"'));
      return 0;
    };
    await d.press('E');
    await d.waitFor('schedules.yaml:8:11: schedules[1].cron:');
    expect(d.store.getState().ui.messages.map((m) => m.text)).toContainEqual(
      expect.stringMatching(
        /schedules\.yaml:8:11: schedules\[1\]\.cron: .*; the valid schedules keep running$/,
      ),
    );
    expect(ran).toEqual([['my-editor', '--wait', join(dir, 'schedules.yaml')]]);
    await d.waitFor(/hourly +invalid/);
    expect(d.frame()).toMatch(/nightly +enabled/);
    expect((await audit()).map((e) => [e.action, e.outcome])).toEqual([['schedule.edit', 'accepted']]);
  });

  it('e pauses and enables again, each audited; a paused schedule has no next run', async () => {
    const d = await openScheduler();
    await d.press('e');
    await d.waitFor(/nightly +paused +30 2 \* \* \* +- /);
    expect(readFileSync(join(dir, 'schedules.yaml'), 'utf8')).toContain(
      '  - name: nightly\n    enabled: false\n',
    );
    await d.press('e');
    await d.waitFor(/nightly +enabled +30 2 \* \* \* +in /);
    expect(readFileSync(join(dir, 'schedules.yaml'), 'utf8')).toContain('    enabled: true\n');
    expect((await audit()).map((e) => e.action)).toEqual(['schedule.disable', 'schedule.enable']);
  });

  it('Enter, e and R on a schedule with errors say its error whole and to fix it first; the file is left alone', async () => {
    writeFileSync(
      join(dir, 'schedules.yaml'),
      `${yaml}  - name: broken\n    cron: "61 * * * *"\n    job: { run: [echo, never] }\n`,
    );
    const written = readFileSync(join(dir, 'schedules.yaml'), 'utf8');
    const d = await openScheduler();
    await d.press('G');
    await d.waitFor(/^> broken +invalid/m);
    for (const key of ['enter', 'e', 'R']) {
      d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
      await d.press(key);
      await d.toasted(
        /^broken has errors: schedules\.yaml:11:11: schedules\[2\]\.cron: minute 61 is out of range \(0-59\); fix it first \(E edits the file\)$/,
      );
    }
    // Still the Scheduler, nothing asked, nothing written.
    expect(d.store.getState().ui.overlay).toBeNull();
    expect(d.frame()).toMatch(/^> broken +invalid/m);
    expect(readFileSync(join(dir, 'schedules.yaml'), 'utf8')).toBe(written);
  });

  it('r reads schedules.yaml again and says what it read', async () => {
    const d = await openScheduler();
    await d.press('r');
    await d.toasted(/^read \S+schedules\.yaml: 2 schedules$/);
    writeFileSync(join(dir, 'schedules.yaml'), 'schedules: [\n');
    await d.press('r');
    await d.toasted(/^read \S+schedules\.yaml:2:1: .* \(E edits it\)$/);
  });

  it('keeps the schedules as last read while the file is not YAML (they still run), its error first', async () => {
    const d = await openScheduler();
    writeFileSync(join(dir, 'schedules.yaml'), `${yaml}  - name: [unclosed\n`);
    await d.press('r');
    const f = await d.waitFor(/^ {2}schedules\.yaml +invalid/m);
    expect(f).toMatch(
      /^ schedules\.yaml cannot be read · as last read \(they run on\): 2 schedules · run in-process · /m,
    );
    expect(f).toMatch(/^> nightly +enabled +30 2 \* \* \* +in /m); // the cursor stays on its row
    expect(f).toMatch(/^ {2}hourly +enabled +@hourly +in /m);
    expect(f).toMatch(/schedules\.yaml +invalid .* file cannot be read/);
    // Fixed: the file is what it says again.
    writeFileSync(join(dir, 'schedules.yaml'), yaml);
    await d.press('r');
    await d.waitFor((frame) => /^ 2 schedules · /m.test(frame) && !/invalid/.test(frame));
  });

  it('R asks with every word of its lines at 80x24: they wrap in the box', async () => {
    const d = await openScheduler();
    await d.resize(80, 24);
    await d.press('R');
    const f = await d.waitFor('Run nightly now?');
    const said = confirmText(f);
    expect(said).toContain(
      'its ticks go on as before (the overlap rule does not apply to a run asked for by a person)',
    );
    expect(said).not.toContain('…');
    await d.press('n');
    await d.waitFor((frame) => !frame.includes('Run nightly now?'));
  });

  it('keeps the JOB column at 120x35 once a run ends: LAST is as wide before the first run as after it', async () => {
    // Like the example workspace's schedules: long names, a cron read in many words, Berlin time.
    writeFileSync(
      join(dir, 'schedules.yaml'),
      `schedules:
  - name: nightly-report
    cron: "*/15 * * * *"
    timezone: Europe/Berlin
    job: { run: [echo, nightly report] }
  - name: weekly-cleanup
    cron: "0 6 * * 1"
    timezone: Europe/Berlin
    job: { run: [echo, cleanup] }
`,
    );
    const d = await openScheduler({ size: { columns: 120, rows: 35 } });
    const header = (frame: string) => frame.split('\n').find((l) => /^ +NAME +STATE/.test(l)) ?? '';
    const before = header(await d.waitFor(/nightly-report +enabled .*echo 'nightly/));
    expect(before).toMatch(/ LAST +RUNS .* JOB /);
    await d.press('R');
    await d.waitFor('Run nightly-report now?');
    await d.press('y');
    const after = await d.waitFor(/nightly-report +enabled .* completed \d+s/);
    expect(header(after)).toBe(before);
  });

  it('says the cursor row whole under the table at 80x24: its error with its place, or all its next runs', async () => {
    writeFileSync(
      join(dir, 'schedules.yaml'),
      `${yaml}  - name: broken\n    cron: "*/0 * * * *"\n    job: { run: [echo, never] }\n`,
    );
    const d = await openScheduler({ size: { columns: 80, rows: 24 } });
    // The line under the table wraps to a second line rather than cutting the date or the error mid-way.
    const under = (frame: string) =>
      frame
        .split('\n')
        .slice(-4, -2)
        .map((l) => l.trim())
        .join(' ');
    await d.press('j');
    const hourly = await d.waitFor((f) => under(f).startsWith('hourly · Every hour'));
    expect(under(hourly)).toMatch(/next \d{4}-\d\d-\d\d \d\d:00, \d\d:00, \d\d:00 · no runs yet$/);
    await d.press('G');
    const broken = await d.waitFor((f) => under(f).startsWith('broken · schedules.yaml:'));
    expect(under(broken)).toBe(
      'broken · schedules.yaml:11:11: schedules[2].cron: minute "*/0": a step (after /) must be 1 or more · E edits the file',
    );
    for (const line of broken.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('ends the line above the table with the file: its path where it fits, else its name, never a cut path', async () => {
    const d = await openScheduler({ size: { columns: 80, rows: 24 } });
    const summary = (f: string) => f.split('\n')[1] ?? '';
    expect(summary(d.frame())).toBe(' 2 schedules · run in-process · schedules.yaml');
    await d.resize(160, 30);
    await d.waitFor((f) => summary(f).includes(join(dir, 'schedules.yaml')));
    expect(summary(d.frame()).trimEnd()).toBe(
      ` 2 schedules · run in-process · ${join(dir, 'schedules.yaml')}`,
    );
    // Narrower than the counts and the name together: the counts alone, not `sche…`.
    await d.press('j', 'e');
    await d.waitFor((f) => summary(f).includes('1 paused'));
    await d.resize(50, 20);
    await d.waitFor((f) => !summary(f).includes('/'));
    expect(summary(d.frame()).trimEnd()).toBe(' 2 schedules · 1 paused · run in-process');
  });

  it('shows the next three runs in the zone of the schedule under the table', async () => {
    const d = await openScheduler();
    await d.waitFor(
      /At 02:30 · Europe\/Berlin · next \d{4}-\d\d-\d\d 02:30, \d\d-\d\d 02:30, \d\d-\d\d 02:30 · no runs yet/,
    );
  });
});

describe('the Scheduler names', () => {
  const longName = 'rotate-the-application-load-balancer-access-logs-nightly';
  // As in the walkthrough: a long name and an entry with errors (its message is long in WHEN).
  const withLongName = `${yaml}  - name: ${longName}
    cron: "15 3 * * *"
    timezone: UTC
    job: { run: [echo, rotate] }
  - name: broken-one
    cron: "0 4 * * *"
    timezone: Mars/Olympus
    job: { run: [echo, broken] }
`;
  const rowOf = (frame: string, name: string) =>
    frame.split('\n').find((l) => l.slice(2).startsWith(name.slice(0, 10))) ?? '';

  it('shows a long name whole where the terminal has room, cut in its middle where not', async () => {
    writeFileSync(join(dir, 'schedules.yaml'), withLongName);
    const d = await openScheduler({ size: { columns: 200, rows: 50 } });
    const wide = await d.waitFor(/broken-one +invalid/);
    expect(rowOf(wide, longName)).toMatch(new RegExp(`^  ${longName} +enabled +15 3 \\* \\* \\*`));
    await d.resize(120, 35);
    // At 120 the name takes what WHEN would grow into (it keeps its minimum): 48 of its 57 characters.
    const mid = await d.waitFor((f) => rowOf(f, longName).length <= 120 && /WHEN/.test(f));
    expect(rowOf(mid, longName)).toMatch(/^ {2}(rotate-the-application-\S*…\S*-logs-nightly) enabled /);
    expect(/^ {2}(\S+) /.exec(rowOf(mid, longName))?.[1]).toHaveLength(48);
    await d.resize(80, 24);
    // At 80 columns it keeps both ends (the line under the table says it whole).
    const narrow = await d.waitFor((f) => !f.includes(longName.slice(0, 40)));
    expect(rowOf(narrow, longName)).toMatch(/^ {2}rotate-the-\S*…\S*-nightly +enabled +15 3 /);
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('starts the line under the table with the name of the schedule at the cursor', async () => {
    writeFileSync(join(dir, 'schedules.yaml'), withLongName);
    const d = await openScheduler({ size: { columns: 200, rows: 50 } });
    await d.waitFor(/^ nightly · At 02:30 · Europe\/Berlin · next /m);
    await d.press('j', 'j');
    await d.waitFor(new RegExp(`^ ${longName} · At 03:15 · UTC · next `, 'm'));
    await d.press('j');
    await d.waitFor(/^ broken-one · schedules\.yaml:\d+:\d+: schedules\[3\]\.timezone: /m);
  });

  it('shows the cron an entry with errors was written with, dimmed, and none when it has none', async () => {
    writeFileSync(
      join(dir, 'schedules.yaml'),
      `${yaml}  - name: broken-zone
    cron: "0 4 * * *"
    timezone: Mars/Olympus
    job: { run: [echo, broken] }
  - name: broken-cron
    cron: "61 * * * *"
    job: { run: [echo, never] }
  - name: no-cron
    job: { run: [echo, never] }
`,
    );
    const d = await openScheduler();
    const f = await d.waitFor(/no-cron +invalid/);
    expect(f).toMatch(/broken-zone +invalid +0 4 \* \* \* +- /);
    expect(f).toMatch(/broken-cron +invalid +61 \* \* \* \* +- /);
    expect(f).toMatch(/no-cron +invalid +- /);
    const cron = scheduleColumns(
      () => undefined,
      () => Date.now(),
      false,
    ).find((c) => c.key === 'cron')!;
    const rows = schedulerRows(d.store.getState().schedules.file, []);
    const of = (name: string) => rows.find((r) => r.name === name)!;
    expect(cron.color?.(of('broken-zone'))).toBe('gray');
    expect(cron.color?.(of('nightly'))).toBeUndefined();
  });
});

describe('the Scheduler header', () => {
  it('counts the schedules a / filter shows: 1 of 2 schedules, and 2 schedules again once cleared', async () => {
    const d = await openScheduler();
    await d.waitFor(/^ 2 schedules · /m);
    await d.press('/');
    await d.type('nightly');
    await d.press('enter');
    const f = await d.waitFor(/^ 1 of 2 schedules · /m);
    expect(f).not.toMatch(/hourly +enabled/);
    await d.press('esc');
    await d.waitFor(/^ 2 schedules · /m);
  });

  it('counts an invalid row a / filter shows among every row: 1 of 3 schedules, not 0 of 2', async () => {
    writeFileSync(
      join(dir, 'schedules.yaml'),
      `${yaml}  - name: broken\n    cron: "61 * * * *"\n    job: { run: [echo, never] }\n`,
    );
    const d = await openScheduler();
    await d.waitFor(/^ 2 schedules · 1 with errors · /m);
    await d.press('/');
    await d.type('broken');
    await d.press('enter');
    await d.waitFor(/^ 1 of 3 schedules · 1 with errors · /m);
  });
});

describe('the RUNS sparkline', () => {
  const run = (outcome: SchedulerRow['runs'][number]['outcome'], durationMs?: number) => ({
    jobId: outcome,
    tick: 0,
    outcome,
    manual: false,
    ...(durationMs !== undefined ? { durationMs } : {}),
  });
  // Newest first, as the rows hold them.
  const row: SchedulerRow = {
    key: 's:x',
    name: 'x',
    runs: [run('failed', 100), run('skipped'), run('completed', 400), run('completed', 200)],
  };

  it('draws durations oldest to newest, a dot for a run that did no work, and ✖ for a failure without colour', () => {
    expect(runSparkline(row, 6, false)).toBe('  ▅█·▃');
    expect(runSparkline(row, 6, true)).toBe('  ▅█·✖');
  });
});
