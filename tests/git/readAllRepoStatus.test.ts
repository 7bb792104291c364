import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoEntry } from '../../src/domain/repo';
import { readAllRepoStatus } from '../../src/services/git/gitRepo';
import { ScratchRepos } from './scratchRepos';

const entry = (path: string): RepoEntry => ({ name: basename(path), path, source: 'root' });

describe('reading every repository of the list', () => {
  let repos: ScratchRepos;
  let paths: string[];

  beforeAll(() => {
    repos = new ScratchRepos();
    paths = ['one', 'two', 'three', 'four', 'five'].map((name) => {
      const repo = repos.init(name);
      repos.commit(repo, 'file.txt', `${name}\n`, `commit in ${name}`);
      return repo;
    });
  });

  afterAll(() => repos.cleanup());

  it('keeps the order of the entries, error rows included', async () => {
    const plain = repos.folder('plain');
    const missing = join(repos.root, 'missing');
    const list = [paths[0], missing, paths[1], plain, paths[2]].map(entry);
    const seen: number[] = [];

    const rows = await readAllRepoStatus(list, { concurrency: 3, onStatus: (_, index) => seen.push(index) });

    expect(rows.map((r) => r.entry.path)).toEqual(list.map((e) => e.path));
    expect(rows.map((r) => (r.kind === 'ok' ? r.last?.subject : r.error))).toEqual([
      'commit in one',
      `path does not exist: ${missing}`,
      'commit in two',
      'not a git repository',
      'commit in three',
    ]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('never reads more repositories at once than asked', async () => {
    // A `git` first on PATH that records which repository each real git process works in, and when.
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const shimDir = repos.folder('shim');
    const log = join(repos.root, 'git-calls.log');
    writeFileSync(log, '');
    writeFileSync(
      join(shimDir, 'git'),
      `#!/bin/sh\necho "start $(pwd -P)" >> "${log}"\nsleep 0.2\n"${realGit}" "$@"\nrc=$?\necho "end $(pwd -P)" >> "${log}"\nexit $rc\n`,
    );
    chmodSync(join(shimDir, 'git'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${shimDir}:${savedPath}`;
    try {
      const rows = await readAllRepoStatus(paths.map(entry), { concurrency: 2 });
      expect(rows.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    } finally {
      process.env.PATH = savedPath;
    }

    const running = new Map<string, number>();
    let most = 0;
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const line of lines) {
      const [event, folder] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      running.set(folder, (running.get(folder) ?? 0) + (event === 'start' ? 1 : -1));
      most = Math.max(most, [...running.values()].filter((n) => n > 0).length);
    }
    expect(lines).toHaveLength(5 * 2 * 2); // two git processes per repository, start and end each
    expect(most).toBe(2);
  });
});
