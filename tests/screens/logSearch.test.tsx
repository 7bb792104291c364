import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { runAndOpenLog } from '../harness/paletteRun';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { FakeCi, fakePipelines, ghRun, pipelineWorkspace } from '../state/pipelinesHarness';
import { AiWorkspace } from './aiHarness';

// Inverse (how a match shows, also under NO_COLOR) must reach the frames; chalk decides at import time.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (text: string) => text.replace(ANSI, '');
const INVERSE = '\x1b[7m';
/** The texts drawn inverse in a frame. */
const inverted = (frame: string) =>
  [...frame.matchAll(/\x1b\[7m((?:(?!\x1b\[27m).)*)\x1b\[27m/g)].map((m) => plain(m[1]));

let deck: DeckSession | undefined;
let bus: Bus | undefined;
let removeWorkspace: (() => void) | undefined;
let ai: AiWorkspace | undefined;
afterEach(async () => {
  await ai?.close();
  ai = undefined;
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  removeWorkspace?.();
  removeWorkspace = undefined;
});

async function start(opts: { noColor?: boolean } = {}) {
  const made = memoryDeckBus();
  bus = made.bus;
  deck = await startDeck({ bus: made.deckBus, size: { columns: 100, rows: 30 }, noColor: opts.noColor });
  return deck;
}

/** The job view's line of counts and where it stands (`202 lines · end`). */
const whereLine = (d: DeckSession) => plain(d.lines()[2]);
/** The row under the log: the search's prompt or its line. */
const searchLine = (d: DeckSession) => plain(d.lines().at(-3) ?? '');
/** The log's rows (with the search's line under them while it shows). */
const logRows = (frame: string) => frame.split('\n').slice(4, -2);

const needles = 'sh -c "seq 1 60; echo needle one; seq 61 120; echo two: Needle, NEEDLE; seq 121 200"';

describe('searching a log (/, n, N)', () => {
  it('/ finds text in any case from the top of the view, shows it inverse and stops following; n and N go round the ends', async () => {
    const d = await start();
    await runAndOpenLog(d, needles);
    expect(whereLine(d)).toMatch(/202 lines · end$/);
    await d.press('/');
    expect(searchLine(d)).toMatch(/^\/█ +text · re:regex · Enter find · Esc clear/);
    await d.type('needle');
    await d.press('enter');
    // From the end nothing follows: round to the top, to the first.
    let f = await d.waitFor((fr) => plain(fr).includes('search went round to the top'));
    expect(plain(f).split('\n')[4]).toMatch(/^needle one/);
    expect(inverted(logRows(f).join('\n'))).toEqual(['needle']);
    expect(whereLine(d)).toMatch(/· line 61$/);
    expect(searchLine(d)).toMatch(
      /^\/needle +search went round to the top · n next · N previous · Esc clear/,
    );

    await d.press('n');
    f = await d.waitFor((fr) => /^two: Needle, NEEDLE/m.test(plain(fr)));
    // Both matches of the line inverse; the current one (the first) bold.
    expect(inverted(logRows(f).join('\n'))).toEqual(['Needle', 'NEEDLE']);
    expect(f).toMatch(/\x1b\[7m\x1b\[1m(\x1b\[33m)?Needle/);
    expect(searchLine(d)).not.toContain('round');
    await d.press('n');
    f = await d.waitFor((fr) => /\x1b\[7m\x1b\[1m(\x1b\[33m)?NEEDLE/.test(fr));
    await d.press('n');
    await d.waitFor((fr) => plain(fr).includes('search went round to the top'));
    expect(plain(d.frame()).split('\n')[4]).toMatch(/^needle one/);
    await d.press('N');
    await d.waitFor((fr) => plain(fr).includes('search went round to the bottom'));
    expect(d.frame()).toMatch(/\x1b\[7m\x1b\[1m(\x1b\[33m)?NEEDLE/);
  });

  it('a match in a running job stops following: new output no longer moves the view', async () => {
    const d = await start();
    await d.press(':');
    await d.type('run sh -c "echo needle; seq 1 60; sleep 1; seq 61 120; sleep 5"');
    await d.press('enter');
    await d.waitFor((fr) => /running|active/.test(plain(fr)));
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.press('enter');
    await d.waitFor((fr) => /61 lines · following$/m.test(plain(fr)));
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    await d.waitFor((fr) => /^needle/m.test(plain(fr)));
    expect(whereLine(d)).toMatch(/ · line 1$/);
    await d.waitFor((fr) => /121 lines · line 1$/m.test(plain(fr)));
    expect(plain(d.lines()[4])).toMatch(/^needle/);
  });

  it('says when nothing matches, and nothing moves (the view still follows)', async () => {
    const d = await start();
    await runAndOpenLog(d, needles);
    const before = logRows(d.frame());
    await d.press('/');
    await d.type('haystack');
    await d.press('enter');
    await d.waitFor((fr) => plain(fr).includes('no match for "haystack"'));
    expect(searchLine(d)).toMatch(/^\/haystack +no match for "haystack" · Esc clear/);
    expect(whereLine(d)).toMatch(/· end$/);
    // The log lost its last row to the search's line, nothing else.
    expect(logRows(d.frame()).slice(0, -1)).toEqual(before.slice(1));
    await d.press('n');
    expect(whereLine(d)).toMatch(/· end$/);
  });

  it('Esc clears the search (its line and the marks go), the next Esc goes back; ? lists the keys', async () => {
    const d = await start();
    await runAndOpenLog(d, needles);
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    await d.waitFor((fr) => fr.includes(INVERSE) && plain(fr).includes('/needle'));
    await d.press('?');
    const help = plain(await d.waitFor((fr) => plain(fr).includes('Next match')));
    expect(help).toMatch(/\/ +Search: text \(any case\) or/);
    expect(help).toMatch(/n +Next match/);
    expect(help).toMatch(/N +Previous match/);
    await d.press('esc');
    await d.waitFor((fr) => plain(fr).includes('/needle'));
    await d.press('esc');
    await d.waitFor((fr) => !plain(fr).includes('/needle'));
    expect(inverted(logRows(d.frame()).join('\n'))).toEqual([]);
    // Cleared: where the search left the view, not back to following.
    expect(whereLine(d)).toMatch(/· line 61$/);
    await d.press('esc');
    await d.waitFor((fr) => plain(fr).includes('PROGRESS'));
  });

  it('the prompt takes every key: q and a digit are typed, not obeyed; Esc there clears it', async () => {
    const d = await start();
    await runAndOpenLog(d, needles);
    await d.press('/');
    await d.type('q5?');
    expect(searchLine(d)).toMatch(/^\/q5\?█/);
    expect(d.store.getState().ui.tab).toBe('jobs');
    expect(d.store.getState().ui.quitting).toBe(false);
    await d.press('esc');
    await d.waitFor((fr) => !plain(fr).includes('/q5?'));
    expect(searchLine(d)).not.toMatch(/^\//);
    expect(d.store.getState().jobs.log).toBeDefined();
  });

  it('re:regex finds a pattern; a bad one says why as it is typed, and Enter moves nothing', async () => {
    const d = await start();
    await runAndOpenLog(d, needles);
    await d.press('/');
    await d.type('re:(unclosed');
    expect(searchLine(d)).toMatch(/^\/re:\(unclosed█ +search "re:\(unclosed": invalid regex/);
    await d.press('enter');
    expect(searchLine(d)).toMatch(/^\/re:\(unclosed +search "re:\(unclosed": invalid regex/);
    expect(whereLine(d)).toMatch(/· end$/);
    await d.press('/');
    // The search comes back selected: typing replaces it.
    await d.type('re:^two: n[e]+dle');
    await d.press('enter');
    const f = await d.waitFor((fr) => /^two: Needle/m.test(plain(fr)));
    expect(inverted(logRows(f).join('\n'))).toEqual(['two: Needle']);
  });

  it('scrolls a cut line to a match beyond its right edge; wrapped, the match is on its row', async () => {
    const d = await start();
    await runAndOpenLog(d, `sh -c "seq 1 50; printf '%0150d needle far right\\n' 0; seq 51 100"`);
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    let f = await d.waitFor((fr) => inverted(fr).includes('needle'));
    // The line (167 columns) scrolled right until its end is at the view's right edge: the needle is in view.
    expect(whereLine(d)).toMatch(/· col 69$/);
    expect(plain(f).split('\n')[4].trimEnd()).toBe(`${'0'.repeat(82)} needle far right`);
    await d.press('esc', 'w', 'g');
    await d.waitFor((fr) => plain(fr).includes('wrapped'));
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    f = await d.waitFor((fr) => inverted(fr).includes('needle'));
    // 100 columns a row: the needle starts the line's second row.
    expect(plain(f).split('\n')).toContainEqual(expect.stringMatching(/^0{50} needle far right/));
  });

  it('shows matches inverse under NO_COLOR', async () => {
    const d = await start({ noColor: true });
    await runAndOpenLog(d, needles);
    await d.press('/');
    await d.type('needle');
    await d.press('enter');
    const f = await d.waitFor((fr) => fr.includes(INVERSE) && plain(fr).includes('needle one'));
    expect(inverted(logRows(f).join('\n'))).toEqual(['needle']);
    expect(f).toMatch(/\x1b\[7m\x1b\[1mneedle/);
  });
});

/** The Pipelines tab at 100x30, a failed GitHub run's job `test` open with its log of `lines` at its end. */
async function openPipelineJobLog(lines: string[]): Promise<DeckSession> {
  const ws = pipelineWorkspace([{ name: 'web', origin: 'https://github.com/acme/web.git' }]);
  removeWorkspace = ws.remove;
  const github = new FakeCi();
  github.runs = [ghRun(42, { status: 'failed' })];
  github.jobs = [{ repo: 'acme/web', id: '7', runId: '42', name: 'test', status: 'failed', steps: [] }];
  github.log = { lines, complete: true };
  deck = await startDeck({
    services: { pipelines: fakePipelines(ws.dir, { github }) },
    size: { columns: 100, rows: 30 },
  });
  const d = deck;
  await d.press('9');
  await d.waitFor((fr) => /github +web +CI +main +failed/.test(plain(fr)));
  await d.press('enter');
  await d.waitFor((fr) => /test +failed/.test(plain(fr)));
  await d.press('enter');
  await d.waitFor((fr) => plain(fr).includes(lines.at(-1)!));
  return d;
}

describe('searching other logs', () => {
  it("a pipeline job's log", async () => {
    const d = await openPipelineJobLog([
      ...Array.from({ length: 80 }, (_, i) => `step ${i}`),
      'FAIL test/cart.test.js',
      'done',
    ]);
    expect(plain(d.frame())).toMatch(/G follow {2}w wrap.*Esc back {2}\/ search/);
    await d.press('/');
    await d.type('step 1');
    await d.press('enter');
    // From the top of the view (the last page): none there, round to the top: `step 1`, then `step 10`…
    const f = await d.waitFor((fr) => plain(fr).includes('search went round to the top'));
    expect(plain(f).split('\n')[3].trimEnd()).toBe('step 1');
    expect(inverted(f)).toContain('step 1');
    // `step 10` is in view already: the view stays, the current match (bold) goes there.
    const current = (fr: string) =>
      plain(fr.split('\n').find((l) => l.includes('\x1b[7m\x1b[1m')) ?? '').trimEnd();
    expect(current(f)).toBe('step 1');
    await d.press('n');
    await d.waitFor((fr) => current(fr) === 'step 10');
    expect(plain(d.frame()).split('\n')[3].trimEnd()).toBe('step 1');
  });

  it("a pipeline job's log, wrapped, scrolls by rows: j shows a long line's next row", async () => {
    // At 100 columns the first line wraps into a row of A, a row of B and a row of C.
    const d = await openPipelineJobLog([
      `${'A'.repeat(100)}${'B'.repeat(100)}${'C'.repeat(50)}`,
      ...Array.from({ length: 60 }, (_, i) => `step ${i}`),
    ]);
    const top = () => plain(d.frame()).split('\n')[3].slice(0, 3);
    await d.press('g', 'w');
    await d.waitFor(() => top() === 'AAA');
    await d.press('j');
    await d.waitFor(() => top() === 'BBB');
    await d.press('j');
    await d.waitFor(() => top() === 'CCC');
    await d.press('k', 'k');
    await d.waitFor(() => top() === 'AAA');
  });

  it("an AI run's log: n is the next match there, not a new run, and ? and the hint line say so", async () => {
    ai = new AiWorkspace();
    const [id] = await ai.start('tiny-regression', { lr: '0.1' });
    expect(await ai.ended(id)).toBe('completed');
    const d = await ai.open();
    await d.press('j', 'enter');
    await d.waitFor((fr) => /completed +lr=0\.1 steps=200 seed=7/.test(plain(fr)));
    await d.press('enter');
    await d.waitFor((fr) => plain(fr).includes('done: w='));
    expect(plain(d.lines().at(-2) ?? '')).toMatch(/l log only {2}c cancel.*Esc back {2}\/ search/);
    await d.press('/');
    await d.type('re:\\d+ points');
    await d.press('enter');
    // The log (its metric lines are the chart's): `training … on 48 points`, `done: …`, `metrics: 67 points …`.
    const currentLine = (fr: string) =>
      plain(fr.split('\n').find((l) => l.includes('\x1b[7m\x1b[1m')) ?? '').trimEnd();
    let f = await d.waitFor((fr) => /^\/re:\\d\+ points +n next · N previous · Esc clear/m.test(plain(fr)));
    expect(inverted(f).filter((t) => t.endsWith(' points'))).toEqual(['48 points', '67 points']);
    expect(currentLine(f)).toMatch(/^training .* 48 points/);
    await d.press('n');
    f = await d.waitFor((fr) => /^metrics: 67 points/.test(currentLine(fr)));
    await d.press('n');
    f = await d.waitFor((fr) => plain(fr).includes('search went round to the top'));
    expect(currentLine(f)).toMatch(/^training /);
    await d.press('N');
    f = await d.waitFor((fr) => plain(fr).includes('search went round to the bottom'));
    expect(currentLine(f)).toMatch(/^metrics: /);
    expect(plain(d.frame())).not.toContain(`Start tiny-regression`);
    expect(d.store.getState().ui.overlay).toBeNull();

    await d.press('?');
    const help = plain(await d.waitFor((fr) => plain(fr).includes('Next match')));
    expect(help).toMatch(/\bn +Next match/);
    expect(help).not.toContain('Start a run');
  });
});
