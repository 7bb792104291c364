import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §1: colour reaches a real terminal (a CI variable in the environment included: chalk took any CI
// variable, even CI=0, for a CI machine), and with NO_COLOR the active tab stays marked by inverse video.
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

/** The SGR parameter lists on a captured row: `1;36`, `7`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
/** A foreground or background colour (30–37, 90–97, 40–47, 100–107, 38;…/48;…), not a reset (39/49). */
const colours = (params: string[]) =>
  params.flatMap((p) => p.split(';')).filter((n) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(n));

describe.skipIf(!hasTmux)('colour in a terminal emulator (tmux)', () => {
  it('sends colour under TERM=tmux-256color, even with CI set, and marks the active tab', async () => {
    deck = startTmuxDeck(80, 24, { TERM: 'tmux-256color', CI: 'true' });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    const tabBar = d.screen(true)[0];
    expect(colours(sgr(tabBar)).length).toBeGreaterThan(0);
    expect(sgr(tabBar).some((p) => p.split(';').includes('7'))).toBe(true);
  });

  it('sends no colour with NO_COLOR=1, and the active tab is still inverse', async () => {
    deck = startTmuxDeck(80, 24, { TERM: 'xterm-256color', NO_COLOR: '1' });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    const rows = d.screen(true);
    expect(rows.flatMap((row) => colours(sgr(row)))).toEqual([]);
    expect(sgr(rows[0]).some((p) => p.split(';').includes('7'))).toBe(true);
  });

  it('marks the active tab with inverse where chalk finds no colours at all (FORCE_COLOR=0, TERM=dumb)', async () => {
    const envs: Record<string, string>[] = [{ TERM: 'tmux-256color', FORCE_COLOR: '0' }, { TERM: 'dumb' }];
    for (const env of envs) {
      deck = startTmuxDeck(80, 24, env);
      const d = deck;
      await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
      const rows = d.screen(true);
      expect(
        rows.flatMap((row) => colours(sgr(row))),
        JSON.stringify(env),
      ).toEqual([]);
      expect(
        sgr(rows[0]).some((p) => p.split(';').includes('7')),
        JSON.stringify(env),
      ).toBe(true);
      d.close();
      deck = undefined;
    }
  });

  it('sends no colour with --no-color, and the active tab is still inverse (chalk read the flag and sent no SGR)', async () => {
    deck = startTmuxDeck(80, 24, { TERM: 'tmux-256color' }, { args: ['--no-color'] });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    const rows = d.screen(true);
    expect(rows.flatMap((row) => colours(sgr(row)))).toEqual([]);
    expect(sgr(rows[0]).some((p) => p.split(';').includes('7'))).toBe(true);
  });
});
