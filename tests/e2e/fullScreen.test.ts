import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const size = { columns: 100, rows: 30 };
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

describe.skipIf(!hasTmux)('the console in a terminal emulator (tmux)', () => {
  it('fills the screen exactly, tab bar on the first row and status bar on the last, frame after frame', async () => {
    const d = startTmuxDeck(size.columns, size.rows);
    deck = d;
    const { screen, tmux, until } = d;
    // The tab bar: every tab by number, in order (their words shorten as the pane narrows).
    const isTabBar = (line: string) => /1 Dash.*2 Repo.*8 Batch/.test(line);
    const tabBarRows = () => screen().filter(isTabBar).length;
    const framed = () => {
      const lines = screen();
      return isTabBar(lines[0]) && tabBarRows() === 1 && lines[size.rows - 1].includes('in-process');
    };
    await until('the first frame', framed);
    // Tabs, a table cursor, overlays, the palette: each frame rewrites some lines and leaves others.
    for (const key of ['2', 'j', '3', 'j', 'j', 'G', '5', '?', 'Escape', ':', 'Escape', '6', '1', '4', '1']) {
      d.keys(key);
      await new Promise((r) => setTimeout(r, 150));
      await until(`a whole frame after ${key}`, framed, 3_000);
      expect(screen()).toHaveLength(size.rows);
    }
    tmux('resize-window', '-t', 'deck', '-x', '90', '-y', '24');
    await until('the frame at 90x24', () => {
      const lines = screen();
      return lines.length === 24 && isTabBar(lines[0]) && lines[23].includes('in-process');
    });
    d.keys('q');
    await until('the console to quit', () => {
      try {
        tmux('has-session', '-t', 'deck');
        return false;
      } catch {
        return true;
      }
    });
  });
});
