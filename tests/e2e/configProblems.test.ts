import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §10, read back from a real terminal: a config.yaml with problems costs only the bad values. The
// accent applies, `j` and Down still move, and `:messages` lists every problem whole, each with its position.
let deck: TmuxDeck | undefined;
let dir: string | undefined;
afterEach(() => {
  deck?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Three empty repositories under `root`, for a table to move in. */
function threeRepos(root: string) {
  for (const name of ['alpha', 'beta', 'gamma']) execFileSync('git', ['init', '-q', join(root, name)]);
}

/** The SGR parameter lists on a captured row: `1;35`, `7`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
/** Text without any whitespace: what wrapping changed is only where lines break. */
const squeezed = (text: string) => text.replace(/\s+/g, '');

describe.skipIf(!hasTmux)('config.yaml with problems (tmux)', () => {
  it('applies the good values, keeps the default keys and lists every problem with its position', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-config-e2e-'));
    const configHome = join(dir, 'config');
    const file = join(configHome, 'infradeck', 'config.yaml');
    mkdirSync(join(configHome, 'infradeck'), { recursive: true });
    threeRepos(join(dir, 'src'));
    writeFileSync(
      file,
      [
        'theme:',
        '  accent: magenta',
        '  x: 1',
        'keys:',
        '  app.quitt: x',
        '  nav.down: ctrl+shift+Q',
        '  tab.1: "?"',
        'repos:',
        `  roots: [${join(dir, 'src')}]`,
        '',
      ].join('\n'),
    );
    deck = startTmuxDeck(80, 24, { XDG_CONFIG_HOME: configHome, TERM: 'xterm-256color' });
    const d = deck;
    await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));

    // The accent (magenta, SGR 35) colours the Dashboard's headings.
    const heading = d.screen(true).find((line) => line.includes('Workers:')) ?? '';
    expect(sgr(heading).some((p) => p.split(';').includes('35'))).toBe(true);
    // The newest problem is readable on the message line, with where to read them all.
    await d.until('the problem on the message line', () =>
      /^✗ config\.yaml:7:10: keys\["tab\.1"\]: .*\(\+3 more: :messages\)/.test(d.screen()[22]),
    );
    expect(d.screen()[23]).toMatch(/✗ 4 :messages/);

    // The repos come from repos.roots, a good value of the same file; j and Down still move the cursor.
    d.keys('2');
    await d.until('the repositories', () => d.screen().some((l) => l.startsWith('> alpha')));
    d.keys('j');
    await d.until('j moved to beta', () => d.screen().some((l) => l.startsWith('> beta')));
    d.keys('Down');
    await d.until('Down moved to gamma', () => d.screen().some((l) => l.startsWith('> gamma')));
    // `?` is still help.
    d.keys('?');
    await d.until('the help', () => d.screen().some((l) => l.includes('Status and recent commits')));
    d.keys('Escape');
    await d.until('the help closed', () => d.screen().some((l) => l.startsWith('> gamma')));

    d.keys(':');
    await d.until('the palette', () => d.screen().some((l) => l.startsWith(':')));
    d.keys('messages', 'Enter');
    await d.until('the messages', () => d.screen().some((l) => l.includes('Messages: 4 errors')));
    const view = squeezed(d.screen().join('\n'));
    for (const problem of [
      `${file}:3:3: theme.x: unknown key "x" (allowed: accent, noColor)`,
      `${file}:5:14: keys["app.quitt"]: unknown action id "app.quitt" (did you mean "app.quit"? ? lists the actions of each screen)`,
      `${file}:6:13: keys["nav.down"]: "ctrl+shift+Q" is not a key name; did you mean "ctrl-q"? (terminals send Ctrl-Shift-Q as Ctrl-Q); nav.down keeps j, down`,
      `${file}:7:10: keys["tab.1"]: "?" is already bound to app.help (Keys of this screen); tab.1 keeps 1`,
    ])
      expect(view).toContain(squeezed(problem));
    for (const line of d.screen()) expect(line.length).toBeLessThanOrEqual(80);

    // Read: the status bar lets go of them.
    d.keys('Escape');
    await d.until('the view closed', () => d.screen().some((l) => l.startsWith('> gamma')));
    // `1` is still the first tab.
    d.keys('1');
    await d.until('the Dashboard', () => !d.screen().some((l) => l.startsWith('> gamma')));
    expect(d.screen()[23]).not.toContain('✗');
  });
});
