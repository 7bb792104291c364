import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { displayWidth } from '../../src/domain/text';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';
import { incidentEvents, storedEvent, type TimelineWorkspace, timelineWorkspace } from './timelineHarness';

let deck: DeckSession | undefined;
let ws: TimelineWorkspace | undefined;

afterEach(() => {
  deck?.unmount();
  deck = undefined;
  ws?.remove();
  ws = undefined;
});

async function openTimeline(
  size = { columns: 80, rows: 24 },
  more: (now: number) => DeckEvent[] = () => [],
  open = 'timeline',
) {
  const now = Date.now();
  ws = timelineWorkspace(() => [...incidentEvents(now), ...more(now)].sort((a, b) => a.at - b.at));
  deck = await startDeck({ size, bus: stubDeckBus(), services: { timeline: ws.services } });
  await deck.press(':');
  await deck.type(open);
  await deck.press('enter');
  await deck.waitFor(open === 'timeline' ? 'events/s' : / · \d+ events · /);
  return deck;
}

function laneLine(frame: string, title: string): string | undefined {
  return frame.split('\n').find((l) => l.startsWith(`${title} `) && !l.includes('·'));
}

/** The rows of the latest-events list: its title and the rows under it, down to the hint line. */
function latestRows(lines: string[]): string[] {
  const at = lines.findIndex((l) => l.startsWith(' Latest'));
  return at < 0 ? [] : lines.slice(at, -2);
}

describe('the Timeline tab at 80x24', () => {
  it('fills the rows under the footer with the latest events, newest first, their job ids whole', async () => {
    const long =
      'failed: reconcile of the web tier in eu-west-1 stopped at i-0abc123456789def0 after 3 retries';
    const d = await openTimeline({ columns: 80, rows: 24 }, (now) => [
      storedEvent(now - 3 * 60_000, 900, {
        level: 'error',
        type: 'job.failed',
        jobId: 'idem-7f3e9c1a55',
        source: { user: 'grace', host: 'ops-3' },
        message: long,
        data: { kind: 'command' },
      }),
    ]);
    const lines = d.lines();
    expect(lines).toHaveLength(24);
    const rows = latestRows(lines);
    expect(rows[0]).toMatch(/^ Latest up to now, newest first/);
    const events = rows.slice(1).filter((l) => l.trim());
    // Newest first, an event on two lanes (jobs, errors) once.
    // What it was is cut first: who asked and the job id stay whole.
    expect(events[0]).toMatch(
      /^ jobs +\d\d:\d\d:\d\d ✖ command: failed: .*… · grace@ops-3 · job idem-7f3e9c1a55$/,
    );
    expect(events[1]).toMatch(/^ scans +\d\d:\d\d:\d\d scanned eu-west-1/);
    expect(events[2]).toMatch(/✖ .*failed: migrate exit 3 .*job 102/);
    expect(events[3]).toMatch(/started run migrate .*job 102/);
    expect(events[4]).toMatch(/^ deploys +\d\d:\d\d:\d\d queued deploy shop \(d-1\) .*job 101/);
    expect(events).toHaveLength(5);
    // Cut before the word with digits (the instance id whole or gone), the job id whole.
    expect(events[0]).not.toMatch(/i-0abc\S*…/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    // The footer too keeps the job id whole.
    expect(lines.find((l) => l.startsWith(' errors ') || l.startsWith('▸errors '))).toMatch(
      /· job idem-7f3e9c1a55$/,
    );
    // Up to the cursor: what happened before it.
    await d.press('left');
    for (let i = 0; i < 120 && !d.frame().includes('▸deploys'); i++) await d.press('left');
    const at = latestRows(d.lines());
    expect(at[0]).toMatch(/^ Latest up to the cursor \(\d\d:\d\d:\d\d\), newest first/);
    expect(at.slice(1).filter((l) => l.trim())).toEqual([expect.stringMatching(/queued deploy shop/)]);
  });

  // At 09:44:39 the list `Latest up to the cursor (09:44:39)` began with 09:44:48 and 09:44:42: it went to the end of
  // the cursor's column, a minute wide, while its title (and the footer's nearest events) meant the cursor's time.
  it("lists only what happened up to the time its title gives the cursor, not to its column's end", async () => {
    const every2s = (now: number) =>
      Array.from({ length: 150 }, (_, i) =>
        storedEvent(now - 300_000 + i * 2_000, 2_000 + i, {
          level: 'info',
          type: 'job.started',
          jobId: `j${i}`,
          source: { worker: 'ops-2:4411' },
          message: `started run tick-${i}`,
          data: { kind: 'command' },
        }),
      );
    const d = await openTimeline({ columns: 80, rows: 24 }, every2s);
    await d.press('left', 'left', 'left');
    const rows = latestRows(d.lines());
    const title = /^ Latest up to the cursor \((\d\d:\d\d:\d\d)\), newest first/.exec(rows[0] ?? '');
    expect(title).not.toBeNull();
    const times = rows
      .slice(1)
      .map((l) => /^ \S+ +(\d\d:\d\d:\d\d) /.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(times.length).toBeGreaterThan(2);
    const seconds = (hms: string) => hms.split(':').reduce((a, b) => a * 60 + Number(b), 0);
    // Seconds from the cursor back to each event (a list around midnight goes on from the day before).
    const before = times.map((x) => (seconds(title![1]) - seconds(x) + 86_400) % 86_400);
    for (const gap of before) expect(gap).toBeLessThan(12 * 3600);
    // Dense events (one each 2 s): the newest listed is the last at or before the cursor.
    expect(before[0]).toBeLessThanOrEqual(2);
  });

  it('after a resize to 120x35 and back, the lanes grow and the list keeps the rows they leave', async () => {
    const d = await openTimeline();
    await d.resize(120, 35);
    await d.waitFor((f) => f.split('\n').length === 35 && /^ {10} .*[▁▂▃▄▅▆▇█]/m.test(f));
    let lines = d.lines();
    expect(latestRows(lines).filter((l) => l.trim()).length).toBeGreaterThanOrEqual(5);
    await d.resize(80, 24);
    await d.waitFor((f) => f.split('\n').length === 24);
    lines = d.lines();
    expect(latestRows(lines)[0]).toMatch(/^ Latest/);
  });
});

describe('the Timeline tab: / filters the events', () => {
  it('draws and lists only the events that match, says how many, and Esc clears it', async () => {
    const d = await openTimeline();
    expect(d.lines().at(-2)).toContain('/ filter');
    await d.press('/');
    await d.type('migrate');
    await d.press('enter');
    const f = await d.waitFor(/· 2 of 4 events ·/);
    expect(laneLine(f, 'jobs')).toContain('✖');
    expect(laneLine(f, 'errors')).toContain('✖');
    // Nothing there matches: folded away, and out of the footer.
    expect(laneLine(f, 'deploys')).toBeUndefined();
    expect(laneLine(f, 'scans')).toBeUndefined();
    expect(f).not.toContain('queued deploy shop');
    expect(latestRows(d.lines())[0]).toMatch(/^ Latest matching "migrate" up to now/);
    expect(d.lines().at(-2)).toMatch(/^filter: migrate \(\/ to change, Esc clears\)/);
    // The table filter's language: a column by name, and ! inverts.
    await d.press('/');
    await d.type('lane:deploys');
    await d.press('enter');
    let g = await d.waitFor(/· 1 of 4 events ·/);
    expect(laneLine(g, 'deploys')).toMatch(/▲shop/);
    expect(laneLine(g, 'jobs')).toBeUndefined();
    await d.press('/');
    await d.type('!job:102');
    await d.press('enter');
    g = await d.waitFor(/· 2 of 4 events ·/);
    expect(laneLine(g, 'deploys')).toBeDefined();
    expect(laneLine(g, 'scans')).toBeDefined();
    await d.press('esc');
    g = await d.waitFor(/ · \d+ events · /);
    expect(laneLine(g, 'jobs')).toBeDefined();
    expect(d.store.getState().ui.filters.timeline).toBe('');
  });

  it('says nothing matches, and composes with the lanes shown (:timeline jobs,scans)', async () => {
    const d = await openTimeline(undefined, undefined, 'timeline jobs,scans');
    await d.press('/');
    await d.type('eu-west');
    await d.press('enter');
    // Of the shown lanes' events only (the deploy is on a hidden lane).
    let f = await d.waitFor(/· 1 of 3 events ·/);
    expect(laneLine(f, 'scans')).toBeDefined();
    expect(laneLine(f, 'jobs')).toBeUndefined();
    await d.press('/');
    await d.type('nothing-like-it');
    await d.press('enter');
    f = await d.waitFor('no event in this window matches "nothing-like-it"');
    expect(f).toMatch(/· 0 of 3 events ·/);
    expect(f.split('\n')[1]).toMatch(/^ 1h · /);
  });

  it('finds a command job by what it runs: its start and failure carry the summary its queued event said', async () => {
    const more = (now: number): DeckEvent[] => {
      const at = (minutesAgo: number, seq: number, e: Omit<DeckEvent, 'id' | 'at'>) =>
        storedEvent(now - minutesAgo * 60_000, 900 + seq, e);
      const who = { user: 'ada', host: 'jump1' };
      return [
        at(4, 0, {
          level: 'info',
          type: 'job.queued',
          jobId: '205',
          source: who,
          message: 'queued echo web',
          data: { kind: 'command', summary: 'echo web' },
        }),
        at(3, 1, {
          level: 'info',
          type: 'job.started',
          jobId: '205',
          source: { worker: 'vm:2' },
          message: 'started on vm:2 (attempt 1/1)',
          data: { kind: 'command', attempt: 1, maxAttempts: 1 },
        }),
        at(2, 2, {
          level: 'error',
          type: 'job.failed',
          jobId: '205',
          source: { worker: 'vm:2' },
          message: 'failed: exit 1',
          data: { kind: 'command', error: 'exit 1' },
        }),
      ];
    };
    const d = await openTimeline({ columns: 120, rows: 35 }, more);
    await d.press('/');
    await d.type('web');
    await d.press('enter');
    // Its start and its failure (on jobs and errors, once); its queued event is on no lane: the job counts once.
    const f = await d.waitFor(/· 2 of 6 events ·/);
    expect(laneLine(f, 'jobs')).toContain('✖');
    expect(laneLine(f, 'errors')).toContain('✖');
    const rows = latestRows(d.lines()).join('\n');
    expect(rows).toContain('✖ command echo web: failed: exit 1 · worker vm:2 · job 205');
    expect(rows).toContain('command echo web: started on vm:2 (attempt 1/1) · worker vm:2 · job 205');
  });

  it('lists / in ?', async () => {
    const d = await openTimeline({ columns: 120, rows: 60 });
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/\/ +Filter the events: text, re:regex/);
  });
});
