import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const columns = 80;
const rows = 24;
let deck: TmuxDeck | undefined;
afterEach(() => deck?.close());

/** `1,2,3,…,40`: one line of 110 characters, wider than the terminal. */
const longLine = Array.from({ length: 40 }, (_, i) => i + 1).join(',');

describe.skipIf(!hasTmux)('the details of a finished job, in a terminal emulator (tmux)', () => {
  it('says what a finished job printed, shows its result as key/value lines, one footer, w wraps and → scrolls', async () => {
    const d = startTmuxDeck(columns, rows, { REDIS_URL: '' });
    deck = d;
    const { screen, until } = d;
    const text = () => screen().join('\n');
    const typed = async (line: string) => {
      d.keys(':');
      await until('the palette', () => screen()[rows - 2].startsWith(':'));
      d.tmux('send-keys', '-t', 'deck', '-l', line);
      d.keys('Enter');
    };
    await until('the first frame', () => screen()[0].includes('1 Dash'));

    await typed('run seq -s , 1 40');
    await until('the job to complete', () => /^>?\s*1\s+command\s+completed/m.test(text()));
    // Newest first: the job is on top (the console's own scan of the DEMO cloud came before it).
    d.keys('g');
    d.keys('Enter');
    await until('the job', () => text().includes('output: 1 line'));
    // The hint line comes back when the toast of the :run is gone: the only footer, under the job.
    await until('the key hints', () => screen()[rows - 2].includes('Esc back'), 10_000);
    const view = screen();
    expect(view[1]).toMatch(/^1 {2}command {2}COMPLETED/);
    expect(text()).not.toContain('no output yet');
    expect(text()).not.toMatch(/follow/);
    expect(view.filter((line) => line.includes('Esc back'))).toHaveLength(1);
    expect(view[rows - 2]).toMatch(/^w wrap {2}→ right {2}y copy id {2}Esc back/);
    // The result whole, as YAML key/value lines; the attempt with how it ended.
    expect(view).toContain('  exitCode: 0');
    expect(view).toContain('  lines: 1');
    expect(view.some((line) => /^ {2}#1 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}completed in /.test(line))).toBe(
      true,
    );
    // The long line, cut at the edge.
    expect(view).toContain(`${longLine.slice(0, columns - 1)}…`);

    d.keys('Right');
    await until('the view scrolled right', () =>
      screen().includes(`${longLine.slice(20, 20 + columns - 1)}…`),
    );
    expect(screen()[2]).toMatch(/col 21$/);

    d.keys('w');
    await until('the long line wrapped', () => {
      const lines = screen();
      const at = lines.indexOf(longLine.slice(0, columns));
      return at > 0 && lines[at + 1] === longLine.slice(columns);
    });
    expect(screen()[2]).toMatch(/wrapped$/);

    // A finished job that printed nothing says so, and not that output may still come.
    d.keys('Escape');
    // Back on the list before the next key: an Esc and a `:` read in one chunk are Alt+: to the terminal's reader.
    await until('the list', () => !screen().some((line) => line.includes('Esc back')));
    await typed('run true');
    await until('the second job to complete', () => /^>?\s*2\s+command\s+completed/m.test(text()));
    d.keys('g');
    d.keys('Enter');
    await until('the second job', () => screen()[1].startsWith('2  command  COMPLETED'));
    expect(screen()[4]).toBe('no output');
    expect(text()).not.toContain('no output yet');
  }, 60_000);
});
