import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src/openWorkspace';
import { ScratchRepos } from '../git/scratchRepos';
import { type DeckSession, startDeck } from '../harness/startDeck';

let repos: ScratchRepos;
let data: string;
let deck: DeckSession | undefined;

beforeAll(() => {
  repos = new ScratchRepos();
  const clean = repos.init('clean');
  repos.commit(clean, 'README.md', 'hello\n', 'first commit');

  const dirty = repos.init('dirty');
  repos.commit(dirty, 'a.txt', 'a\n', 'add a');
  repos.write(dirty, 'a.txt', 'changed\n');
  repos.write(dirty, 'new.txt', 'untracked\n');

  const remote = repos.folder('remote.git');
  repos.git(remote, 'init', '--quiet', '--bare', '--initial-branch=main');
  const seed = repos.init('seed');
  repos.commit(seed, 'base.txt', 'base\n', 'base');
  repos.git(seed, 'push', '--quiet', remote, 'main');
  repos.git(repos.root, 'clone', '--quiet', remote, 'ahead');
  repos.git(repos.root, 'clone', '--quiet', remote, 'other');
  const other = join(repos.root, 'other');
  const ahead = join(repos.root, 'ahead');
  repos.commit(other, 'theirs.txt', 'theirs\n', 'their change');
  repos.git(other, 'push', '--quiet', 'origin', 'main');
  repos.commit(ahead, 'mine1.txt', '1\n', 'my first change');
  repos.commit(ahead, 'mine2.txt', '2\n', 'my second change');
  repos.git(ahead, 'fetch', '--quiet', 'origin');

  const detached = repos.init('detached');
  repos.commit(detached, 'one.txt', '1\n', 'one');
  repos.commit(detached, 'two.txt', '2\n', 'two');
  repos.git(detached, 'checkout', '--quiet', '--detach', 'HEAD~1');

  data = repos.folder('workspace');
  writeFileSync(
    join(data, 'repos.yaml'),
    [
      'repos:',
      '  - path: ../clean',
      '  - path: ../dirty',
      '  - path: ../ahead',
      '  - path: ../detached',
      '  - name: gone',
      '    path: ../nowhere',
      '',
    ].join('\n'),
  );
});

afterAll(() => repos.cleanup());
afterEach(() => deck?.unmount());

async function openRepos(dataDir: string, size = { columns: 120, rows: 24 }) {
  const workspace = await openWorkspace({ dataDir, configPath: join(dataDir, 'no-config.yaml'), env: {} });
  deck = await startDeck({
    services: workspace.services,
    size,
    startupErrors: workspace.configErrors,
  });
  await deck.press('2');
  return deck;
}

const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => l.includes(` ${name} `)) ?? '';

describe('the Repositories screen on real repositories', () => {
  it('shows branch, changes, ahead/behind, detached HEAD and a missing path as an error row', async () => {
    const d = await openRepos(data);
    const f = await d.waitFor('path does not exist');
    expect(rowOf(f, 'clean')).toMatch(/main\s+0 —\s+[0-9a-f]{7}\s+\S+ Test Pers\S* first commit/);
    expect(rowOf(f, 'dirty')).toMatch(/main\s+2 —/);
    expect(rowOf(f, 'ahead')).toMatch(/main\s+0 ↑2 ↓1/);
    expect(rowOf(f, 'detached')).toContain('(detached');
    expect(rowOf(f, 'gone')).toMatch(/ERROR\s+.*path does not exist/);
  });

  it('at 80 columns names the commit of a detached HEAD whole, however narrow the branch column gets', async () => {
    const d = await openRepos(data, { columns: 80, rows: 24 });
    const f = await d.waitFor('path does not exist');
    const commit = repos.git(join(repos.root, 'detached'), 'rev-parse', '--short', 'HEAD').trim();
    expect(rowOf(f, 'detached')).toMatch(new RegExp(` ${commit} \\(detac`));
    for (const width of [79, 60]) {
      await d.resize(width, 24);
      expect(rowOf(await d.waitFor(/path does not exist|ERROR/), 'detached')).toContain(` ${commit} `);
    }
  });

  it('at 80 columns cuts a long branch in its middle (both ends read), and grows it past 20 columns when there is room', async () => {
    const long = repos.init('long-branch');
    repos.commit(long, 'x.txt', 'x\n', 'a subject that can well be cut short at 80 columns');
    repos.git(long, 'checkout', '--quiet', '-b', 'feature/JIRA-4711-checkout-page-redesign');
    const dir = repos.folder('long-workspace');
    writeFileSync(join(dir, 'repos.yaml'), 'repos:\n  - path: ../long-branch\n');
    const d = await openRepos(dir, { columns: 80, rows: 24 });
    const row = rowOf(await d.waitFor(/long-branch +feature/), 'long-branch');
    // `feature/JIRA-4…` named every branch of that ticket alike; the end says which.
    expect(row).toMatch(/ feature\/\S*…\S*redesign /);
  });

  it('opens the status and recent commits of a repository, and goes back with Esc', async () => {
    const d = await openRepos(data);
    await d.waitFor('my second change');
    await d.press('/');
    await d.type('ahead');
    await d.press('enter', 'enter');
    const f = await d.waitFor('Recent commits');
    expect(f).toContain('## main...origin/main [ahead 2, behind 1]');
    expect(f).toContain('my second change');
    expect(f).toContain('my first change');
    await d.press('esc');
    await d.waitFor('UPSTREAM');
  });

  it('offers no selection (no action takes several repositories): Space and Ctrl-A do nothing, ? lists neither', async () => {
    const d = await openRepos(data);
    await d.waitFor('path does not exist');
    await d.press('space', 'ctrl-a');
    // Sort stays (and its frame comes after the two keys).
    await d.press('o');
    const sorted = await d.waitFor('NAME ▲');
    expect(sorted).not.toMatch(/^● /m);
    await d.press('?');
    const help = await d.waitFor('Reverse sort');
    expect(help).toMatch(/\/ +Filter/);
    expect(help).toMatch(/o +Sort by next column/);
    expect(help).not.toMatch(/Select row|Select all/);
  });

  it('in the details of a repository that cannot be read, lists and takes only y (the error) and Esc', async () => {
    const d = await openRepos(data);
    await d.waitFor('path does not exist');
    await d.press('/');
    await d.type('gone');
    await d.press('enter', 'enter');
    const f = await d.waitFor(/error: .*path does not exist/);
    const error = /error: (.*\S)/.exec(f)?.[1];
    // The start-up toast (no config file) would hide the hints.
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.waitFor((frame) => frame.split('\n').at(-2)?.includes('? help') ?? false);
    expect(d.lines().at(-2)).toMatch(/^y copy error {2}Esc back {2}\? help/);
    expect(d.lines().at(-2)).not.toMatch(/commit|filter|sort/);
    // Keys of the commits' table do nothing here, and are not offered.
    await d.press('/', 'o');
    expect(d.store.getState().ui.overlay).toBeNull();
    // Where repos.yaml lists it: the line to fix.
    const reposFile = join(data, 'repos.yaml');
    expect(f).toContain(`listed at ${reposFile}:7:11 (repos[4].path)`);
    await d.press('y');
    const copied = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07$/.exec(d.osc().at(-1) ?? '')?.[1];
    expect(Buffer.from(copied ?? '', 'base64').toString('utf8')).toBe(
      `${reposFile}:7:11: repos[4].path: ${error}`,
    );
    await d.press('?');
    const help = await d.waitFor('Repositories: error');
    expect(help).toMatch(/y +Copy the error/);
    expect(help).toMatch(/Esc +Back/);
    expect(help).not.toMatch(/The commit: git show|Filter the commits|Sort by|^ List$/m);
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('Repositories: error'));
    await d.press('esc');
    await d.waitFor('UPSTREAM');
  });

  it('says in :messages which line of repos.yaml names a path that does not exist, once however often it reads', async () => {
    const d = await openRepos(data);
    await d.waitFor('path does not exist');
    const placed = `${join(data, 'repos.yaml')}:7:11: repos[4].path: path does not exist: ${join(repos.root, 'nowhere')}`;
    const said = () => d.store.getState().ui.messages.filter((m) => m.text === placed);
    await expect.poll(() => said().length).toBe(1);
    const before = d.store.getState().repos.refreshedAt;
    await d.press('r');
    await expect.poll(() => d.store.getState().repos.refreshedAt).not.toBe(before);
    expect(said()).toHaveLength(1);
  });

  it('picks up a new commit on r', async () => {
    const d = await openRepos(data);
    await d.waitFor('first commit');
    repos.commit(join(repos.root, 'clean'), 'NEWS', 'news\n', 'second commit');
    await d.press('r');
    await d.waitFor('second commit');
  });

  it('reports a malformed repos.yaml with file:line and keeps running', async () => {
    const broken = repos.folder('broken-workspace');
    writeFileSync(join(broken, 'repos.yaml'), 'repos:\n  - path: ../clean\n  - paht: ../dirty\n');
    const d = await openRepos(broken);
    const f = await d.waitFor('repos.yaml:3');
    expect(f).toContain('paht');
  });
});
