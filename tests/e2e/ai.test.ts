import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const exampleWorkspace = join(import.meta.dirname, '..', '..', 'data');

let deck: TmuxDeck | undefined;
afterEach(() => {
  deck?.close();
  deck = undefined;
});

/** The SGR parameter lists on a captured row: `1;36`, `32`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
const colours = (params: string[]) =>
  params.flatMap((p) => p.split(';')).filter((n) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(n));

/** `:ai`, `n` and Enter on the example's tiny-regression: its two runs (one per learning rate), then its runs. */
async function runTheGrid(d: TmuxDeck) {
  const text = () => d.screen().join('\n');
  await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
  d.keys(':', 'a', 'i', 'Enter');
  await d.until('the experiments', () => /tiny-regression +0 +never run/.test(text()));
  d.keys('n');
  await d.until('the form', () => text().includes('Enter starts 2 runs: lr=0.1 · lr=0.01'));
  d.keys('Enter');
  await d.until('both runs', () => /tiny-regression +2 +completed/.test(text()), 20_000);
  d.keys('Enter');
  await d.until('the runs', () => (text().match(/ completed +lr=0\.0?1 /g) ?? []).length === 2);
}

describe.skipIf(!hasTmux)('the AI tab, in a terminal emulator (tmux)', () => {
  it('runs the example grid at 80x24 and draws a run’s chart in colour', async () => {
    const d = startTmuxDeck(
      80,
      24,
      { REDIS_URL: '', TERM: 'tmux-256color' },
      { workspace: exampleWorkspace },
    );
    deck = d;
    await runTheGrid(d);
    expect(d.screen()[0]).toMatch(/0 Time(line)?\s+AI\b/);
    d.keys('Enter');
    await d.until('the chart', () => d.screen().some((l) => /val_loss \(1\/4, m next\)/.test(l)));
    await d.until('its log', () => d.screen().some((l) => l.includes('done: w=')));
    const chart = d.screen(true).filter((l) => l.includes('┤'));
    expect(chart.length).toBeGreaterThanOrEqual(5);
    // The line in asciichart's cyan, its axis and labels without colour.
    expect(chart.some((l) => /\x1b\[36m[╭╮╰╯─│]/.test(l))).toBe(true);
    for (const line of d.screen()) expect(line.length).toBeLessThanOrEqual(80);
    d.keys('m');
    await d.until('the next metric', () => d.screen().some((l) => /loss \(2\/4, m next\)/.test(l)));
  });

  it('compares two runs under NO_COLOR: a marker per run, no colour at all', async () => {
    const d = startTmuxDeck(
      120,
      35,
      { REDIS_URL: '', TERM: 'xterm-256color', NO_COLOR: '1' },
      { workspace: exampleWorkspace },
    );
    deck = d;
    await runTheGrid(d);
    // Both runs selected at once, compared once the screen says so: Space, j, Space, Enter sent together once ended
    // on one run's view under load (not reproduced since), as if a Space had toggled the same run twice.
    d.keys('C-a');
    await d.until('both selected', () => d.screen().join('\n').includes('2 selected: Enter compares them'));
    d.keys('Enter');
    await d.until(
      'the comparison',
      () =>
        (
          d
            .screen()
            .join('\n')
            .match(/ · last \S+ at step 200/g) ?? []
        ).length === 2,
    );
    const rows = d.screen();
    expect(rows.some((l) => /^\* run \S+ completed · lr=0\.01/.test(l))).toBe(true);
    expect(rows.some((l) => /^o run \S+ completed · lr=0\.1/.test(l))).toBe(true);
    const plot = rows
      .filter((l) => l.includes('┤'))
      .map((l) => l.replace(/^.*?┤/, ''))
      .join('');
    expect(plot).toContain('*');
    expect(plot).toContain('o');
    expect(rows.some((l) => /^lr +0\.01 +0\.1/.test(l))).toBe(true);
    expect(d.screen(true).flatMap((r) => colours(sgr(r)))).toEqual([]);
  });
});
