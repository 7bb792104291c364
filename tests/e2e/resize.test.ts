import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §2 and §3, read back from a real terminal emulator: every resize ends in a correct frame, and
// quitting from a resized pane leaves none of the console's rows on the shell.
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

const tableRow = /^[> ] ec2 /;

describe.skipIf(!hasTmux)('resizing the pane (tmux)', () => {
  it('narrower and wider, the frame stays whole: one hint line, tab bar first, status bar last', {
    timeout: 45_000,
  }, async () => {
    deck = startTmuxDeck(80, 24);
    const d = deck;
    const whole = (rows: number) => () => {
      const lines = d.screen();
      return (
        lines.length === rows &&
        /^(infradeck)? *1 /.test(lines[0]) &&
        /3 Res(ources)? /.test(lines[0]) &&
        lines[rows - 1].includes('in-process') &&
        lines.filter((l) => l.includes('filter: legacy')).length === 1
      );
    };
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    d.keys('3');
    await d.until('the Resources tab', () => d.screen().some((l) => tableRow.test(l)));
    d.keys(':ec2', 'Enter', '/legacy', 'Enter');
    // The start-up scan's toast may still cover the hint line for its five seconds.
    await d.until('the filtered table', whole(24), 15_000);
    for (const [columns, rows] of [
      [79, 24],
      [72, 24],
      [64, 20],
      [120, 30],
      [80, 24],
    ]) {
      d.tmux('resize-window', '-t', 'deck', '-x', String(columns), '-y', String(rows));
      await d.until(`a whole frame at ${columns}x${rows}`, whole(rows));
      // And it stays whole: nothing drawn a moment later breaks it.
      await new Promise((r) => setTimeout(r, 300));
      expect(whole(rows)()).toBe(true);
    }
  });

  it('quitting after a resize leaves no row of the console on the shell', async () => {
    deck = startTmuxDeck(80, 24, {}, { shell: true });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
    d.tmux('resize-window', '-t', 'deck', '-x', '200', '-y', '30');
    d.keys('3');
    await d.until('the Resources tab', () => d.screen().some((l) => tableRow.test(l)));
    d.keys('q');
    await d.until('the shell', () => !d.screen()[0].includes('1 Dash'));
    await new Promise((r) => setTimeout(r, 300));
    const shell = d.screen();
    expect(shell.filter((l) => tableRow.test(l) || l.startsWith('infradeck'))).toEqual([]);
  });
});
