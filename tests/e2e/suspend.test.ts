import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §4, read back from a real terminal: after $EDITOR (or ssh) has had the terminal, and after the pane
// was too small to draw in, every tab is as it was: the Resources table keeps its sort, cursor and selection.
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

const selectedRows = (lines: string[]) => lines.filter((l) => l.startsWith('●'));
const cursorRow = (lines: string[]) => lines.find((l) => l.startsWith('>'));
const header = (lines: string[]) => lines.find((l) => /TYPE +ID/.test(l));

describe.skipIf(!hasTmux)('handing the terminal over (tmux)', () => {
  it('the Resources tab keeps its sort, cursor and selection across $EDITOR and a too-small pane', async () => {
    deck = startTmuxDeck(100, 30, { EDITOR: 'true', VISUAL: 'true' }, { workspace: 'data' });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    d.keys('3');
    // The console scans on start, region by region: act once every scope (the DEMO cloud has 7) is in.
    await d.until('the scan done', () => d.screen().some((l) => l.includes('7 scopes scanned')));
    // One step at a time, each seen on the screen: what is kept is then exactly what was done.
    d.keys('o', 'o');
    await d.until('sorted by ID', () => /ID ▲/.test(header(d.screen()) ?? ''));
    d.keys('j', 'j', 'j');
    await d.until('the cursor moved', () => !d.screen()[3]?.startsWith('>'));
    d.keys('Space');
    await d.until('a selection', () => selectedRows(d.screen()).length === 1);
    d.keys('j');
    await d.until('a selection and the cursor below it', () => {
      const lines = d.screen();
      return (
        selectedRows(lines).length === 1 &&
        lines.indexOf(cursorRow(lines) ?? '') > lines.indexOf(selectedRows(lines)[0])
      );
    });
    await new Promise((r) => setTimeout(r, 500)); // every key handled
    const before = d.screen();

    d.keys('4');
    await d.until('the Deployments tab', () => d.screen().some((l) => l.startsWith('> analytics')));
    d.keys('e');
    await new Promise((r) => setTimeout(r, 500)); // the editor (`true`) comes and goes
    await d.until('the console back', () => d.screen()[0].includes('1 Dash'));
    d.keys('3');
    await d.until('the Resources tab again', () => header(d.screen()) !== undefined);
    expect(cursorRow(d.screen())).toBe(cursorRow(before));
    expect(header(d.screen())).toBe(header(before));
    expect(selectedRows(d.screen())).toEqual(selectedRows(before));
    expect(selectedRows(before)).toHaveLength(1);

    d.tmux('resize-window', '-t', 'deck', '-x', '30', '-y', '6');
    await d.until('the too-small notice', () => d.screen().join('').includes('too small'));
    d.tmux('resize-window', '-t', 'deck', '-x', '100', '-y', '30');
    await d.until('the table again', () => header(d.screen()) !== undefined);
    expect(cursorRow(d.screen())).toBe(cursorRow(before));
    expect(header(d.screen())).toBe(header(before));
  });
});
