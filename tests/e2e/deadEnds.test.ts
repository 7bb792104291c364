import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScratchRepos } from '../git/scratchRepos';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// Issue 11 §6, read back from a real terminal: every list opens what it names, `y` reaches the terminal's
// clipboard (tmux keeps an OSC 52 copy as a buffer with set-clipboard on), and `?` shows only keys that work.
const example = join(__dirname, '..', '..', 'data');
let deck: TmuxDeck | undefined;
let repos: ScratchRepos | undefined;
afterEach(() => deck?.close());
afterAll(() => repos?.cleanup());

const has = (d: TmuxDeck, text: string | RegExp) => () =>
  d.screen().some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)));
const cursorLine = (d: TmuxDeck) => d.screen().find((l) => l.startsWith('> ')) ?? '';

async function open(columns = 100, rows = 30, workspace = example) {
  deck = startTmuxDeck(columns, rows, { TERM: 'xterm-256color' }, { workspace });
  const d = deck;
  d.tmux('set-option', '-g', 'set-clipboard', 'on');
  await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
  return d;
}

describe.skipIf(!hasTmux)('no dead ends (tmux)', () => {
  let workspace: string;
  beforeAll(() => {
    repos = new ScratchRepos();
    const app = repos.init('app');
    repos.commit(app, 'README.md', 'hello\n', 'first commit');
    repos.commit(app, 'src.txt', 'one\ntwo\n', 'second: add the source');
    repos.commit(app, 'NEWS', 'news\n', 'third: news');
    workspace = repos.folder('workspace');
    writeFileSync(join(workspace, 'repos.yaml'), `repos:\n  - path: ${app}\n`);
  });

  it('Enter on a recent failure of the Dashboard opens that job on the Jobs tab', async () => {
    const d = await open();
    d.keys(':');
    d.keys('run false', 'Enter');
    await d.until('the failed job', has(d, /^[> ] \S+ +command +failed/));
    d.keys('1');
    await d.until('the failure on the Dashboard', has(d, 'Recent failures (1)'));
    expect(cursorLine(d)).toMatch(/^> \d+ .*false — false exited with code 1/);
    d.keys('Enter');
    await d.until('the job', has(d, /^\d+ +command +FAILED/));
    expect(d.screen().join('\n')).toContain('false exited with code 1');
  });

  it('opens a related resource, comes back, describes it as YAML and copies its id with y (OSC 52)', async () => {
    const d = await open();
    d.keys('3');
    await d.until('the resources', has(d, /^[> ] ec2 /));
    d.keys('/');
    d.keys('web-web-1', 'Enter', 'Enter');
    await d.until('the details', has(d, 'Related ('));
    const instance = /^> ec2 (i-[0-9a-f]+)/.exec(cursorLine(d))?.[1];
    expect(instance).toBeDefined();
    d.keys('j');
    await d.until(
      'the cursor on a related resource',
      () => /^>\s+\w+ \S+/.test(cursorLine(d)) && !cursorLine(d).includes(instance as string),
    );
    const [, type, id] = /^>\s+(\w+) (\S+)/.exec(cursorLine(d)) as RegExpExecArray;
    d.keys('Enter');
    await d.until(`${id}'s details`, has(d, new RegExp(`^> ${type} ${id}`)));
    d.keys('Escape');
    await d.until('the instance again', has(d, new RegExp(`^ {2}ec2 ${instance}`)));
    expect(cursorLine(d)).toContain(id);
    d.keys('y');
    await d.until('the copy', has(d, `copied ${id} to the clipboard`));
    expect(d.tmux('show-buffer')).toBe(id);
    d.keys('d');
    await d.until('the YAML', has(d, `describe ${type} ${id}`));
    const yaml = d.screen().join('\n');
    expect(yaml).toContain(`id: ${id}`);
    expect(yaml).toMatch(/^attributes:/m);
  });

  it('? lists the tabs with a key (1-9, then 0 for the Timeline), and 0 opens the Timeline', async () => {
    const d = await open();
    d.keys('?');
    await d.until('the help', has(d, 'Switch tab'));
    expect(d.screen().join('\n')).toMatch(/1-9 +Switch tab/);
    expect(d.screen().join('\n')).toMatch(/0 +Tab 10: Timeline/);
    expect(d.screen().join('\n')).not.toContain('1-10');
    d.keys('Escape');
    await d.until('the Dashboard', has(d, 'Recent failures'));
    d.keys('0');
    await d.until('the Timeline', has(d, '→ now · LIVE'));
  });

  it("a repository's commits filter with / and open with Enter (git show --stat)", async () => {
    const d = await open(100, 30, workspace);
    d.keys('2');
    await d.until('the repository', has(d, 'third: news'));
    d.keys('Enter');
    await d.until('the commits', has(d, 'Recent commits (3)'));
    d.keys('/');
    d.keys('second', 'Enter');
    await d.until('one commit', has(d, 'Recent commits (1 of 3)'));
    d.keys('Enter');
    await d.until('the commit', has(d, '1 file changed'));
    expect(d.screen().join('\n')).toMatch(/src\.txt \| 2 \+\+/);
  });
});
