import { readFileSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoEntry } from '../../src/domain/repo';
import { readRepoDetails, readRepoStatus, runGit } from '../../src/services/git/gitRepo';
import { ScratchRepos } from './scratchRepos';

const entry = (path: string): RepoEntry => ({ name: basename(path), path, source: 'repos.yaml' });

describe('reading a repository for the Repositories screen', () => {
  let repos: ScratchRepos;
  let clean: string;
  let dirty: string;
  let ahead: string;
  let detached: string;
  let empty: string;
  let plain: string;

  beforeAll(() => {
    repos = new ScratchRepos();

    clean = repos.init('clean');
    repos.commit(clean, 'README.md', 'hello\n', 'first commit');

    // Two tracked files changed (one staged, one not), one untracked file, one ignored file.
    dirty = repos.init('dirty');
    repos.commit(dirty, '.gitignore', '*.log\n', 'ignore logs');
    repos.commit(dirty, 'a.txt', 'a\n', 'add a');
    repos.commit(dirty, 'b.txt', 'b\n', 'add b');
    repos.write(dirty, 'a.txt', 'a changed\n');
    repos.write(dirty, 'b.txt', 'b changed\n');
    repos.git(dirty, 'add', 'b.txt');
    repos.write(dirty, 'café.txt', 'untracked\n');
    repos.write(dirty, 'debug.log', 'ignored\n');

    // A clone that is 2 commits ahead of and 1 behind its upstream.
    const remote = repos.folder('remote.git');
    repos.git(remote, 'init', '--quiet', '--bare', '--initial-branch=main');
    const seed = repos.init('seed');
    repos.commit(seed, 'base.txt', 'base\n', 'base');
    repos.git(seed, 'push', '--quiet', remote, 'main');
    repos.git(repos.root, 'clone', '--quiet', remote, 'ahead');
    repos.git(repos.root, 'clone', '--quiet', remote, 'other');
    ahead = join(repos.root, 'ahead');
    const other = join(repos.root, 'other');
    repos.commit(other, 'theirs.txt', 'theirs\n', 'their change');
    repos.git(other, 'push', '--quiet', 'origin', 'main');
    repos.commit(ahead, 'mine1.txt', '1\n', 'my first change');
    repos.commit(ahead, 'mine2.txt', '2\n', 'my second change');
    repos.git(ahead, 'fetch', '--quiet', 'origin');

    detached = repos.init('detached');
    repos.commit(detached, 'one.txt', '1\n', 'one');
    repos.commit(detached, 'two.txt', '2\n', 'two');
    repos.git(detached, 'checkout', '--quiet', '--detach', 'HEAD~1');

    empty = repos.init('empty');
    repos.write(empty, 'draft.txt', 'not committed yet\n');

    plain = repos.folder('plain');
  });

  afterAll(() => repos.cleanup());

  it('shows a clean repository with its branch and last commit', async () => {
    const status = await readRepoStatus(entry(clean));
    expect(status).toEqual({
      kind: 'ok',
      entry: entry(clean),
      branch: 'main',
      detached: false,
      changed: 0,
      last: {
        hash: repos.shortHead(clean),
        time: 1_700_000_000,
        author: 'Test Person',
        subject: 'first commit',
      },
    });
  });

  // `changed` counts each path git status lists once: 2 tracked changes + 1 untracked = 3; ignored files don't count.
  it('counts changed and untracked files of a dirty repository', async () => {
    const status = await readRepoStatus(entry(dirty));
    expect(status.kind).toBe('ok');
    if (status.kind !== 'ok') return;
    expect(status.changed).toBe(3);
    expect(status.last?.subject).toBe('add b');
  });

  it('shows how far a branch is ahead of and behind its upstream', async () => {
    const status = await readRepoStatus(entry(ahead));
    expect(status).toMatchObject({
      kind: 'ok',
      branch: 'main',
      upstream: 'origin/main',
      ahead: 2,
      behind: 1,
    });
    if (status.kind === 'ok') expect(status.last?.subject).toBe('my second change');
  });

  it('names a detached HEAD by the commit it points at', async () => {
    const status = await readRepoStatus(entry(detached));
    const hash = repos.shortHead(detached);
    expect(status).toMatchObject({ kind: 'ok', detached: true, branch: `(detached ${hash})` });
    if (status.kind === 'ok') expect(status.last).toMatchObject({ hash, subject: 'one' });
  });

  it('reads a repository that has no commits yet', async () => {
    const status = await readRepoStatus(entry(empty));
    expect(status).toEqual({ kind: 'ok', entry: entry(empty), branch: 'main', detached: false, changed: 1 });
  });

  it('turns a missing path into an error row', async () => {
    const missing = join(repos.root, 'gone');
    expect(await readRepoStatus(entry(missing))).toEqual({
      kind: 'error',
      entry: entry(missing),
      error: `path does not exist: ${missing}`,
    });
  });

  it('says a missing folder is missing, not that git is not installed', async () => {
    const gone = join(repos.root, 'never-made');
    await expect(runGit(gone, ['log'])).rejects.toThrow(`${gone}: no such folder`);
  });

  it('says a plain folder is not a git repository', async () => {
    expect(await readRepoStatus(entry(plain))).toMatchObject({
      kind: 'error',
      error: 'not a git repository',
    });
  });

  it('says a folder inside a repository is not itself a repository', async () => {
    const inside = repos.folder('clean/docs');
    expect(await readRepoStatus(entry(inside))).toMatchObject({
      kind: 'error',
      error: 'not a git repository',
    });
  });

  it('says a file is not a folder', async () => {
    const file = join(clean, 'README.md');
    expect(await readRepoStatus(entry(file))).toMatchObject({
      kind: 'error',
      error: `not a folder: ${file}`,
    });
  });

  it('shows the first line of git stderr for other failures', async () => {
    const broken = repos.init('broken');
    repos.commit(broken, 'x.txt', 'x\n', 'x');
    repos.write(broken, '.git/HEAD', 'ref: refs/heads/main\n');
    repos.write(join(broken, '.git'), 'config', '[core\nbroken');
    const status = await readRepoStatus(entry(broken));
    expect(status.kind).toBe('error');
    if (status.kind === 'error') {
      expect(status.error).toMatch(/bad config line 1/);
      expect(status.error).not.toContain('\n');
    }
  });

  it('does not rewrite the index while reading the status (no optional locks)', async () => {
    const repo = repos.init('locks');
    repos.commit(repo, 'f.txt', 'same\n', 'f');
    // Same content, new mtime: a plain `git status` refreshes the stat data and rewrites the index.
    utimesSync(join(repo, 'f.txt'), 1_600_000_000, 1_600_000_000);
    const index = join(repo, '.git', 'index');
    const before = readFileSync(index);

    expect(await readRepoStatus(entry(repo))).toMatchObject({ kind: 'ok', changed: 0 });
    expect(readFileSync(index).equals(before)).toBe(true);

    // The premise of this test: git with optional locks would have rewritten it.
    repos.git(repo, 'status', '--porcelain');
    expect(readFileSync(index).equals(before)).toBe(false);
  });

  it('reads the entry folder even when GIT_DIR points at another repository', async () => {
    process.env.GIT_DIR = join(clean, '.git');
    try {
      const status = await readRepoStatus(entry(ahead));
      expect(status).toMatchObject({ kind: 'ok', ahead: 2, behind: 1 });
    } finally {
      delete process.env.GIT_DIR;
    }
  });

  describe('details', () => {
    it('lists short status lines with unquoted non-ASCII names and the recent log', async () => {
      const details = await readRepoDetails(entry(dirty), { logLimit: 2 });
      expect(details.entry).toEqual(entry(dirty));
      expect(details.status).toEqual(['## main', ' M a.txt', 'M  b.txt', '?? café.txt']);
      expect(details.log.map((c) => c.subject)).toEqual(['add b', 'add a']);
      expect(details.log[0]).toEqual({
        hash: repos.shortHead(dirty),
        time: 1_700_000_000,
        author: 'Test Person',
        subject: 'add b',
      });
    });

    it('shows the upstream distance in the branch line', async () => {
      const details = await readRepoDetails(entry(ahead));
      expect(details.status[0]).toBe('## main...origin/main [ahead 2, behind 1]');
      expect(details.log.map((c) => c.subject)).toEqual(['my second change', 'my first change', 'base']);
    });

    it('has an empty log for a repository without commits', async () => {
      const details = await readRepoDetails(entry(empty));
      expect(details.status).toEqual(['## No commits yet on main', '?? draft.txt']);
      expect(details.log).toEqual([]);
    });

    it('rejects with a readable reason for a missing path or a plain folder', async () => {
      const missing = join(repos.root, 'gone');
      await expect(readRepoDetails(entry(missing))).rejects.toThrow(`path does not exist: ${missing}`);
      await expect(readRepoDetails(entry(plain))).rejects.toThrow('not a git repository');
    });
  });
});
