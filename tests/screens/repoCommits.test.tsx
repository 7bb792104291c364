import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src/openWorkspace';
import { ScratchRepos } from '../git/scratchRepos';
import { type DeckSession, startDeck } from '../harness/startDeck';

let repos: ScratchRepos;
let data: string;
let app: string;
let deck: DeckSession | undefined;

beforeAll(() => {
  repos = new ScratchRepos();
  app = repos.init('app');
  repos.commit(app, 'README.md', 'hello\n', 'first commit');
  repos.commit(app, 'src.txt', 'one\ntwo\n', 'second: add the source');
  repos.commit(app, 'NEWS', 'news\n', 'third: news');
  data = repos.folder('workspace');
  writeFileSync(join(data, 'repos.yaml'), 'repos:\n  - path: ../app\n');
});
afterAll(() => repos.cleanup());
afterEach(() => deck?.unmount());

async function openDetails() {
  const workspace = await openWorkspace({ dataDir: data, configPath: join(data, 'no-config.yaml'), env: {} });
  deck = await startDeck({ services: workspace.services, size: { columns: 120, rows: 24 } });
  await deck.press('2');
  await deck.waitFor('third: news');
  await deck.press('enter');
  await deck.waitFor('Recent commits (3)');
  return deck;
}

const commitRows = (frame: string) =>
  frame
    .split('\n')
    .filter((l) => /^[> ] [0-9a-f]{7} /.test(l))
    .map((l) => l.slice(2, 9));

describe("a repository's recent commits", () => {
  it('filter with /, sort with o, and Esc clears the filter, then goes back to the repositories', async () => {
    const d = await openDetails();
    const newestFirst = commitRows(d.frame());
    expect(newestFirst).toEqual(
      ['third', 'second', 'first'].map((_, i) => repos.shortHead(app, `HEAD~${i}`)),
    );
    await d.press('/');
    await d.type('second');
    await d.press('enter');
    const filtered = await d.waitFor('Recent commits (1 of 3)');
    expect(commitRows(filtered)).toEqual([repos.shortHead(app, 'HEAD~1')]);
    // The first Esc clears the kept filter, as on every list; the view stays.
    await d.press('esc');
    await d.waitFor('Recent commits (3)');
    expect(d.store.getState().repos.details).toBeDefined();
    await d.press('esc');
    await d.waitFor('UPSTREAM');
    await d.press('enter');
    await d.waitFor('Recent commits (3)');
    await d.press('o');
    await d.waitFor('COMMIT ▲');
    expect(commitRows(d.frame())).toEqual([...newestFirst].sort());
    // The AGE column makes room for its marker: the header stays readable.
    await d.press('o');
    const byAge = await d.waitFor(/ AGE ▲/);
    expect(byAge).not.toContain('A… ▲');
  });

  it('open a commit with Enter (git show --stat) and copy its id with y', async () => {
    const d = await openDetails();
    await d.press('j');
    await d.press('enter');
    const show = await d.waitFor('1 file changed');
    const full = repos.git(app, 'rev-parse', 'HEAD~1').trim();
    expect(show).toContain(`commit ${full}`);
    expect(show).toContain('second: add the source');
    expect(show).toMatch(/src\.txt \| 2 \+\+/);
    expect(d.lines().at(-2)).toMatch(/^y copy id {2}Esc back {2}\/ search {2}\? help/);
    await d.press('y');
    const m = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07$/.exec(d.osc().at(-1) ?? '');
    expect(m && Buffer.from(m[1], 'base64').toString()).toBe(repos.shortHead(app, 'HEAD~1'));
    await d.press('esc');
    await d.waitFor('Recent commits (3)');
  });

  it('list / and o in ? where they work', async () => {
    const d = await openDetails();
    await d.press('?');
    const help = await d.waitFor('Repositories: details');
    expect(help).toMatch(/\/\s+Filter the commits/);
    expect(help).toMatch(/o\s+Sort by the next column/);
    expect(help).toMatch(/Enter\s+The commit: git show --stat/);
    expect(help).not.toContain('Select row');
  });
});
