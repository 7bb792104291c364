import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeck } from '../../src/app/createDeck';
import { tabLabels } from '../../src/app/tabLabels';
import { configSchema } from '../../src/domain/config';
import type { DeckEvent } from '../../src/domain/event';
import type { JobView } from '../../src/domain/job';
import { displayWidth } from '../../src/domain/text';
import type { TimelineCommit } from '../../src/domain/timelineLanes';
import type { TimelinePin } from '../../src/domain/timelinePins';
import { screens } from '../../src/screens';
import { timelineScreen } from '../../src/screens/timeline/TimelineScreen';
import { FileRunMetrics, runMetricsFolder } from '../../src/services/ai/runMetrics';
import { pinsFilePath, savePinsFile } from '../../src/services/timeline/pinsFile';
import { commitsEveryMs } from '../../src/state/slices/timeline';
import { DeckProvider } from '../../src/ui/deckContext';
import { type DeckSession, startDeck, tick } from '../harness/startDeck';
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
  dir?: string,
  more: (now: number) => DeckEvent[] = () => [],
) {
  const now = Date.now();
  ws = timelineWorkspace(() => [...incidentEvents(now), ...more(now)].sort((a, b) => a.at - b.at), dir);
  deck = await startDeck({ size, bus: stubDeckBus(), services: { timeline: ws.services } });
  await deck.press(':');
  await deck.type('timeline');
  await deck.press('enter');
  await deck.waitFor('events/s');
  return deck;
}

/** The lane lines of the frame: those that start with a lane's title. */
function laneLine(frame: string, title: string): string | undefined {
  return frame.split('\n').find((l) => l.startsWith(`${title} `) && !l.includes('·'));
}

/** Presses `key` until the footer marks `title`'s event as the one at the cursor (▸). */
async function cursorOnto(d: DeckSession, key: 'left' | 'right', title: string) {
  for (let i = 0; i < 120; i++) {
    if (d.frame().includes(`▸${title}`)) return;
    await d.press(key);
  }
  throw new Error(`the cursor never reached ${title}:\n${d.frame()}`);
}

describe('the Timeline tab', () => {
  it('is reachable by Tab from tab 9 and by 0, and every tab keeps a readable label at 80 columns', async () => {
    const index = screens.findIndex((s) => s.id === 'timeline');
    expect(index).toBeGreaterThanOrEqual(9);
    for (const active of [0, index]) {
      const t = tabLabels(
        screens.map((s) => ({ title: s.title, short: s.short })),
        active,
        80,
      );
      const bar = t.brand + t.labels.join('');
      expect(displayWidth(bar)).toBeLessThanOrEqual(80);
      // Every label is its key (1…9, 0; none for the eleventh) and its title or short name, never a word cut short
      // (`4 Depl`).
      t.labels.forEach((label, i) => {
        const { title, short } = screens[i];
        const key = i < 9 ? `${i + 1} ` : i === 9 ? '0 ' : '';
        expect([` ${key}${title}`, ` ${key}${short ?? title}`]).toContain(label);
      });
    }
    const now = Date.now();
    ws = timelineWorkspace(() => incidentEvents(now));
    deck = await startDeck({
      size: { columns: 80, rows: 24 },
      bus: stubDeckBus(),
      services: { timeline: ws.services },
    });
    await deck.press('9', 'tab');
    await deck.waitFor('events/s');
    expect(deck.store.getState().ui.tab).toBe(screens[9].id);
    // `0` is its key from any other tab; on the Timeline itself `0` is its own "back to now".
    await deck.press('1', '0');
    expect(deck.store.getState().ui.tab).toBe(screens[9].id);
    await deck.press('0');
    expect(deck.store.getState().ui.tab).toBe(screens[9].id);
    // `?` there lists what `0` does there, not the tab key it hides.
    await deck.press('?');
    const help = await deck.waitFor('Back to now');
    expect(help).not.toContain('Tab 10');
  });

  it('reads the commits again every minute: a push during an incident shows on the commits lane', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const now = Date.now();
      ws = timelineWorkspace(() => incidentEvents(now));
      const pushed: TimelineCommit[] = [];
      const reads: number[] = [];
      ws.services.commits = async () => {
        reads.push(Date.now());
        return { commits: [...pushed], errors: [] };
      };
      deck = await startDeck({
        size: { columns: 80, rows: 24 },
        bus: stubDeckBus(),
        services: { timeline: ws.services },
      });
      await deck.press(':');
      await deck.type('timeline');
      await deck.press('enter');
      const before = await deck.waitFor('events/s');
      expect(laneLine(before, 'commits')).toBeUndefined(); // nothing there: folded
      pushed.push({
        repo: 'shop',
        hash: 'abc1234',
        time: Date.now() - 5_000,
        author: 'ada',
        subject: 'hotfix: retry',
      });
      vi.advanceTimersByTime(commitsEveryMs);
      await deck.waitFor(() => reads.length >= 2);
      // The tab redraws on its own interval (faked here too): one more turn draws what the read added.
      const after = await deck.waitFor((f) => {
        vi.advanceTimersByTime(1_000);
        return laneLine(f, 'commits') !== undefined;
      });
      expect(laneLine(after, 'commits')).toMatch(/\S/);
      expect(reads.length).toBeGreaterThanOrEqual(2);
      // Read again, the same commit is one event, not two.
      vi.advanceTimersByTime(commitsEveryMs);
      await deck.waitFor(() => reads.length >= 3);
      expect(
        deck.store.getState().actions.timeline.store().events('commits', 0, Number.POSITIVE_INFINITY),
      ).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('names every repository it could not read commits from in :messages, not the first and an ellipsis', async () => {
    ws = timelineWorkspace(() => incidentEvents(Date.now()));
    ws.services.commits = async () => ({
      commits: [],
      errors: ['infradeck: not a git repository', 'shop: bad object HEAD'],
    });
    deck = await startDeck({
      size: { columns: 80, rows: 24 },
      bus: stubDeckBus(),
      services: { timeline: ws.services },
    });
    await deck.press(':');
    await deck.type('timeline');
    await deck.press('enter');
    await deck.waitFor('events/s');
    await deck.press(':');
    await deck.type('messages');
    await deck.press('enter');
    const frame = await deck.waitFor('bad object');
    expect(frame).toContain('not a git');
    expect(frame).not.toContain('; …');
  });

  it('draws the lanes one line each at 80x24, folds the empty ones, and strips escape sequences', async () => {
    const d = await openTimeline();
    const f = d.frame();
    expect(f.split('\n')).toHaveLength(24);
    for (const line of f.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/1h · .* → now · LIVE/);
    expect(laneLine(f, 'overview')).toBeDefined();
    expect(laneLine(f, 'deploys')).toMatch(/▲shop/);
    expect(laneLine(f, 'jobs')).toContain('✖');
    expect(laneLine(f, 'errors')).toContain('✖');
    expect(laneLine(f, 'scans')).toMatch(/[▁▂▃▄▅▆▇█]/);
    // Nothing on these lanes: folded away.
    for (const empty of ['commits', 'schedules', 'batches', 'pipelines'])
      expect(laneLine(f, empty)).toBeUndefined();
    // The time axis under the lanes, in the host's time.
    expect(f).toMatch(/\n {11}.*\d\d:\d\d/);
    expect(f).toContain('failed: migrate exit 3');
    expect(f).not.toContain('owned');
    expect(f).not.toContain('\x1b]');
  });

  it('zooms, pans and goes back to live', async () => {
    const d = await openTimeline();
    await d.press('+');
    let f = await d.waitFor(/15m · .* LIVE/);
    // The deploy was 20 minutes ago: out of this window, its lane folds away.
    expect(laneLine(f, 'deploys')).toBeUndefined();
    expect(laneLine(f, 'jobs')).toContain('✖');
    await d.press('-', '-');
    f = await d.waitFor(/ 3h · /);
    expect(laneLine(f, 'deploys')).toContain('▲');
    await d.press('-', '-', '-', '-', '-', '-', '-');
    await d.waitFor(/ 7d · /);
    await d.press('+', '+', '+', '+', '+', '+', '+', '+', '+');
    await d.waitFor(/ 1m · /);
    await d.press('-', '-', '-');
    await d.waitFor(/ 1h · /);
    await d.press('h');
    f = await d.waitFor('paused (0 live)');
    expect(d.store.getState().timeline.window.live).toBe(false);
    const panned = d.store.getState().timeline.window.end;
    await d.press('H');
    await d.waitFor('paused');
    expect(d.store.getState().timeline.window.end).toBeLessThanOrEqual(panned);
    await d.press('L', 'L', 'L');
    await d.waitFor(/→ now · LIVE/);
    await d.press('h', '0');
    await d.waitFor(/→ now · LIVE/);
  });

  it('moves a cursor whose footer names the nearest event on each lane, and Enter opens its job', async () => {
    const d = await openTimeline();
    expect(d.frame()).toContain('← → move the cursor');
    await d.press('left');
    await d.waitFor(/cursor \d\d:\d\d:\d\d · events\/s/);
    await cursorOnto(d, 'left', 'deploys');
    const f = d.frame();
    expect(f).toMatch(/▸deploys +\d\d:\d\d:\d\d queued deploy shop \(d-1\) · ada@jump1 · job 101/);
    expect(f).toMatch(/ jobs +\d\d:\d\d:\d\d .*job 102/);
    await d.press('enter');
    await d.waitFor(() => d.store.getState().ui.tab === 'jobs');
    expect(d.store.getState().jobs.log?.jobId).toBe('101');
  });

  it('pins events into a side list kept in .cache/, and compares two pins', async () => {
    const d = await openTimeline();
    await d.press('left');
    await cursorOnto(d, 'left', 'deploys');
    await d.press('p');
    await d.waitFor('Pins (1)');
    await cursorOnto(d, 'right', 'scans');
    await d.press('p');
    let f = await d.waitFor('Pins (2)');
    expect(f).toMatch(/ {4}\d\d:\d\d:\d\d deploys/);
    const file = join(ws!.dir, '.cache', 'timeline-pins.json');
    await d.waitFor(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).pins.length === 2);

    // Select both in the list, then compare.
    await d.press('P');
    await d.waitFor(() => d.store.getState().timeline.panel === 'pins');
    await d.press('g', 'space', 'down', 'space');
    f = await d.waitFor(/\[1\] \d\d:\d\d:\d\d deploys/);
    expect(f).toMatch(/\[2\] \d\d:\d\d:\d\d scans/);
    await d.press('C');
    f = await d.waitFor('Log pattern shift');
    expect(f).toContain('Between them, by lane');
    expect(f).toMatch(/jobs +2 \(1 failed\)/);
    expect(f).toMatch(/events\/s +[\d.]+ +[\d.]+ +[+-]?[\d.–]+/);
    await d.waitFor(() => d.store.getState().timeline.compare?.shiftLoading === false);
    await d.press('G');
    f = await d.waitFor('Top templates');
    expect(f).toMatch(/appeared +ERROR connection refused to <IP>/);
    const all = d.store.getState().timeline.compare?.shift;
    expect(all?.appeared.map((r) => r.template)).toContain('ERROR connection refused to <IP>');
    expect(all?.vanished.map((r) => r.template)).toContain('GET /health <NUM> in <NUM>');
    await d.press('esc');
    await d.waitFor('events/s');
    expect(d.store.getState().timeline.compare).toBeUndefined();
  });

  it('marks the selected pins apart from their time and wraps their text whole, at 80x24 and 200x50', async () => {
    const id = 'i-0cda8c8fcfbd8cef7';
    const stopped = (now: number) => [
      storedEvent(now - 3 * 60_000, 900, {
        level: 'info',
        type: 'resource.changed',
        source: { user: 'ada', host: 'jump1' },
        message: `${id} running → stopped in ap-northeast-1`,
        data: {},
      } as Omit<DeckEvent, 'id' | 'at'>),
    ];
    /** The pin panel: the last `width` columns of each line. */
    const panel = (lines: string[], columns: number, width: number) =>
      lines.map((l) =>
        [...l.padEnd(columns)]
          .slice(columns - width)
          .join('')
          .trimEnd(),
      );
    for (const [columns, rows] of [
      [80, 24],
      [200, 50],
    ]) {
      const d = await openTimeline({ columns, rows }, undefined, stopped);
      await d.press('left');
      await cursorOnto(d, 'left', 'scans');
      await d.press('p');
      await d.waitFor('Pins (1)');
      await cursorOnto(d, 'left', 'deploys');
      await d.press('p');
      await d.waitFor('Pins (2)');
      await d.press('P');
      await d.waitFor(() => d.store.getState().timeline.panel === 'pins');
      await d.press('g', 'space', 'down', 'space');
      await d.waitFor(/\[2\] \d\d:\d\d:\d\d scans/);
      const width = columns === 80 ? 22 : 36;
      const side = panel(d.lines(), columns, width);
      const first = side.findIndex((l) => l.startsWith('[1] '));
      expect(side[first]).toMatch(/^\[1\] \d\d:\d\d:\d\d deploys/);
      // The whole text is there, wrapped under the time: nothing cut, the id whole on one line.
      const second = side.findIndex((l) => l.startsWith('[2] '));
      const text = side
        .slice(second, second + 4)
        .join(' ')
        .replace(/ +/g, ' ');
      expect(text).toMatch(
        /^\[2\] \d\d:\d\d:\d\d scans i-0cda8c8fcfbd8cef7 running → stopped in ap-northeast-1/,
      );
      expect(side.some((l) => l.includes(id))).toBe(true);
      expect(side.join('\n')).not.toContain('…');
      deck?.unmount();
      deck = undefined;
      ws?.remove();
      ws = undefined;
    }
  });

  it('shows the pins of an earlier session', async () => {
    const first = await openTimeline();
    await first.press('left');
    await cursorOnto(first, 'left', 'jobs');
    await first.press('p');
    await first.waitFor('Pins (1)');
    const dir = ws!.dir;
    const file = join(dir, '.cache', 'timeline-pins.json');
    await first.waitFor(() => existsSync(file));
    first.unmount();
    deck = undefined;
    ws = undefined;
    const second = await openTimeline({ columns: 80, rows: 24 }, dir);
    const f = await second.waitFor('Pins (1)');
    expect(f).toMatch(/\d\d:\d\d:\d\d jobs/);
  });

  it('pages the pin list with PgDn and PgUp, a page of pins at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timetab-'));
    const now = Date.now();
    const pins: TimelinePin[] = Array.from({ length: 40 }, (_, i) => ({
      id: `1-${i}`,
      time: now - (40 - i) * 60_000,
      lane: 'jobs',
      type: 'job.completed',
      what: `pin number ${i + 1}`,
      who: 'alice',
      pinnedAt: now,
    }));
    await savePinsFile(pinsFilePath(dir), pins);
    const d = await openTimeline({ columns: 80, rows: 24 }, dir);
    await d.waitFor('Pins (40)');
    await d.press('P');
    await d.waitFor(() => d.store.getState().timeline.panel === 'pins');
    await d.press('pgdn');
    // At 80x24 a pin takes two rows of the panel: a page is the pins that fit below its title line.
    const page = d.store.getState().timeline.pinCursor;
    expect(page).toBeGreaterThan(5);
    const clock = (i: number) => new Date(pins[i].time).toTimeString().slice(0, 8);
    const shown = await d.waitFor(clock(page));
    expect(shown).not.toContain(clock(0));
    await d.press('pgdn', 'pgdn', 'pgdn');
    expect(d.store.getState().timeline.pinCursor).toBe(39);
    await d.waitFor(clock(39));
    await d.press('pgup');
    expect(d.store.getState().timeline.pinCursor).toBe(39 - page);
  });

  it('hides a lane with the lane picker', async () => {
    const d = await openTimeline();
    await d.press('v');
    await d.waitFor('[x] deploys');
    await d.press('down', 'space');
    await d.waitFor('[ ] jobs');
    await d.press('esc');
    const f = await d.waitFor('events/s');
    expect(laneLine(f, 'jobs')).toBeUndefined();
    expect(laneLine(f, 'errors')).toBeDefined();
  });

  it('adds a metric lane of an AI run with a', async () => {
    const now = Date.now();
    ws = timelineWorkspace(() => incidentEvents(now));
    await new FileRunMetrics(runMetricsFolder(ws.dir)).append('77', {
      p: [
        ['loss', 1, 0.9, now - 12 * 60_000],
        ['loss', 2, 0.25, now - 2 * 60_000],
      ],
    });
    const run = {
      id: '77',
      kind: 'experimentRun',
      status: 'completed',
      createdAt: now - 13 * 60_000,
    } as JobView;
    const bus = stubDeckBus({ queue: { list: async (f) => (f?.kind === 'experimentRun' ? [run] : []) } });
    deck = await startDeck({ size: { columns: 80, rows: 24 }, bus, services: { timeline: ws.services } });
    await deck.press(':');
    await deck.type('timeline');
    await deck.press('enter');
    await deck.waitFor('events/s');
    await deck.press('a');
    await deck.waitFor('run 77 · loss (2 points)');
    await deck.press('enter');
    const f = await deck.waitFor('loss#77 0.25');
    expect(laneLine(f, 'loss#77')).toMatch(/[▁▂▃▄▅▆▇█].*[▁▂▃▄▅▆▇█]/);
  });

  it("the AI metric picker offers only its own keys (add, back), not the lane picker's show/hide and remove", async () => {
    const d = await openTimeline({ columns: 120, rows: 40 });
    const hintLine = () => d.lines().at(-2) ?? '';
    await d.press('a');
    await d.waitFor('Add an AI run metric lane');
    expect(hintLine()).toMatch(/^Enter add {2}Esc back {2}\? help/);
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/Enter +Add the metric as a lane/);
    expect(help).not.toMatch(/Show \/ hide the lane|Remove an AI metric lane/);
    await d.press('esc');
    await d.waitFor('Add an AI run metric lane');
    // No metric to add here: Enter goes back to the lanes, as Esc does.
    await d.waitFor('no experiment run with metrics yet');
    await d.press('enter');
    await d.waitFor('events/s');
    expect(d.frame()).not.toContain('Add an AI run metric lane');
    await d.press('v');
    await d.waitFor('[x] deploys');
    expect(hintLine()).toMatch(/^Space show\/hide {2}Enter done {2}Esc back/);
    // g and G of the list move the picker's cursor: last lane, then the first.
    await d.press('G', 'space');
    await d.waitFor(/\[ \] \S+\s*$/m);
    expect(d.store.getState().timeline.pickerCursor).toBeGreaterThan(0);
    await d.press('g');
    expect(d.store.getState().timeline.pickerCursor).toBe(0);
  });

  it('makes the lanes taller at 200x50 and keeps the frame at the terminal size', async () => {
    const d = await openTimeline({ columns: 200, rows: 50 });
    const lines = d.lines();
    expect(lines).toHaveLength(50);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(200);
    const jobs = lines.findIndex((l) => l.startsWith('jobs '));
    expect(jobs).toBeGreaterThan(0);
    // The row above the jobs lane's title row is the same lane's upper part: no title, a bar.
    expect(lines[jobs - 1]).toMatch(/^ {10} .*[▁▂▃▄▅▆▇█]/);
    await d.resize(80, 24);
    const small = d.lines();
    expect(small).toHaveLength(24);
    expect(laneLine(small.join('\n'), 'jobs')).toBeDefined();
    expect(small[small.findIndex((l) => l.startsWith('jobs ')) - 1]).toMatch(/^deploys /);
  });

  it('draws a correct frame 20 columns wide', async () => {
    const now = Date.now();
    ws = timelineWorkspace(() => incidentEvents(now));
    const d = createDeck({
      services: {
        repos: { list: async () => ({ rows: [], errors: [] }), details: async () => ({}) as never },
        bus: stubDeckBus(),
        timeline: ws.services,
      },
      config: configSchema.parse({}),
      screens,
      dataDir: ws.dir,
      configPath: '/nowhere/config.yaml',
      readOnly: false,
      noColor: true,
    });
    const Screen = timelineScreen.Component;
    const app = render(
      <DeckProvider deck={d}>
        <Screen width={20} height={12} active />
      </DeckProvider>,
    );
    for (let i = 0; i < 50 && !(app.lastFrame() ?? '').includes('jobs'); i++) await tick(20);
    const lines = (app.lastFrame() ?? '').split('\n');
    app.unmount();
    expect(lines.length).toBeLessThanOrEqual(12);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(20);
    // Ink drops trailing blanks: at most the 15 cells a 20-column lane has after its 4-letter title.
    expect(
      lines.some((l) => /^jobs [ ▁▂▃▄▅▆▇█]{0,14}✖[ ▁▂▃▄▅▆▇█✖]{0,14}$/.test(l)),
      lines.join('\n'),
    ).toBe(true);
    expect(lines[0]).toMatch(/^ 1h · /);
  });
});
