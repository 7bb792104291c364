import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeckConfig, defaultConfig } from '../../src/domain/config';
import { formatSourceError } from '../../src/domain/sourceError';
import { defaultDataDir, loadRepoEntries, workspacePaths } from '../../src/services/storage/workspace';
import { refuseAccess } from './refuseAccess';

const withRoots = (roots: string[], depth = 2): DeckConfig => ({ ...defaultConfig, repos: { roots, depth } });

describe('workspace locations', () => {
  it('takes INFRADECK_DATA first, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultDataDir({ INFRADECK_DATA: '/srv/deck', XDG_DATA_HOME: '/x' })).toBe('/srv/deck');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/data', HOME: '/home/ada' })).toBe('/x/data/infradeck');
    expect(defaultDataDir({ HOME: '/home/ada' })).toBe('/home/ada/.local/share/infradeck');
  });

  it('names every file and folder of a workspace without touching the disk', () => {
    expect(workspacePaths('/srv/deck')).toEqual({
      root: '/srv/deck',
      reposFile: '/srv/deck/repos.yaml',
      serversFile: '/srv/deck/servers.yaml',
      schedulesFile: '/srv/deck/schedules.yaml',
      projectsDir: '/srv/deck/projects',
      batchesDir: '/srv/deck/batches',
      pipelinesDir: '/srv/deck/pipelines',
      cacheDir: '/srv/deck/.cache',
      auditDir: '/srv/deck/audit',
    });
  });
});

describe('the repositories to show', () => {
  let tmp: string;
  let data: string;
  let code: string;
  const env = () => ({ HOME: join(tmp, 'home') });

  /** A folder that looks like a repository to discovery (`.git` is all it checks). */
  const repo = (...parts: string[]) => {
    const path = join(code, ...parts);
    mkdirSync(join(path, '.git'), { recursive: true });
    return path;
  };

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'infradeck-workspace-'));
    data = join(tmp, 'data');
    code = join(tmp, 'code');
    mkdirSync(data);
    mkdirSync(code);
    mkdirSync(join(tmp, 'home'));
  });
  afterEach(() => {
    chmodSync(tmp, 0o755);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('has nothing to show, and nothing to complain about, without repos.yaml or roots', async () => {
    expect(await loadRepoEntries(data, defaultConfig, env())).toEqual({ entries: [], errors: [] });
  });

  it('lists repos.yaml entries in file order, resolving relative, absolute and ~ paths', async () => {
    writeFileSync(
      join(data, 'repos.yaml'),
      `repos:\n  - path: ../code/api\n  - name: Home dots\n    path: ~/dotfiles\n  - path: ${join(tmp, 'abs')}\n`,
    );
    const { entries, errors } = await loadRepoEntries(data, defaultConfig, env());
    expect(errors).toEqual([]);
    // Each with the place of its path in repos.yaml: a repository that cannot be read names the line to fix.
    const file = join(data, 'repos.yaml');
    expect(entries).toEqual([
      {
        name: 'api',
        path: join(code, 'api'),
        source: 'repos.yaml',
        listedAt: { file, line: 2, column: 11, path: 'repos[0].path' },
      },
      {
        name: 'Home dots',
        path: join(tmp, 'home', 'dotfiles'),
        source: 'repos.yaml',
        listedAt: { file, line: 4, column: 11, path: 'repos[1].path' },
      },
      {
        name: 'abs',
        path: join(tmp, 'abs'),
        source: 'repos.yaml',
        listedAt: { file, line: 5, column: 11, path: 'repos[2].path' },
      },
    ]);
  });

  it('reports a bad repos.yaml with file:line and still discovers the roots', async () => {
    writeFileSync(join(data, 'repos.yaml'), 'repos:\n  - path: ../code/api\n  - name: nameless\n');
    const found = repo('web');
    const { entries, errors } = await loadRepoEntries(data, withRoots([code]), env());
    expect(errors.map(formatSourceError)).toEqual([
      `${join(data, 'repos.yaml')}:3:5: repos[1].path: missing required key "path"`,
    ]);
    expect(entries).toEqual([{ name: 'web', path: found, source: 'root' }]);
  });

  it('finds repositories under a root down to the configured depth, sorted by path', async () => {
    const alpha = repo('alpha');
    const beta = repo('group', 'beta');
    repo('group', 'deep', 'deeper', 'gamma'); // 4 levels down: beyond depth 2
    repo('alpha', 'vendored'); // inside a repository: not searched
    repo('node_modules', 'left-pad');
    repo('.hidden', 'secret');
    // A worktree or submodule has a `.git` file rather than a folder.
    mkdirSync(join(code, 'worktree'));
    writeFileSync(join(code, 'worktree', '.git'), 'gitdir: /elsewhere\n');

    const { entries, errors } = await loadRepoEntries(data, withRoots([code]), env());
    expect(errors).toEqual([]);
    expect(entries).toEqual([
      { name: 'alpha', path: alpha, source: 'root' },
      { name: 'beta', path: beta, source: 'root' },
      { name: 'worktree', path: join(code, 'worktree'), source: 'root' },
    ]);

    const deeper = await loadRepoEntries(data, withRoots([code], 4), env());
    expect(deeper.entries.map((e) => e.name)).toEqual(['alpha', 'beta', 'gamma', 'worktree']);

    const shallow = await loadRepoEntries(data, withRoots([code], 1), env());
    expect(shallow.entries.map((e) => e.name)).toEqual(['alpha', 'worktree']);
  });

  it('treats a root that is itself a repository as one repository, even at depth 0', async () => {
    repo('solo');
    const { entries } = await loadRepoEntries(data, withRoots([join(code, 'solo')], 0), env());
    expect(entries).toEqual([{ name: 'solo', path: join(code, 'solo'), source: 'root' }]);
  });

  it('shows a repository reached twice only once, the repos.yaml entry winning', async () => {
    const alpha = repo('alpha');
    symlinkSync(code, join(tmp, 'code-link'));
    writeFileSync(join(data, 'repos.yaml'), 'repos:\n  - name: Alpha (pinned)\n    path: ../code/alpha\n');
    const { entries } = await loadRepoEntries(data, withRoots([code, join(tmp, 'code-link')]), env());
    expect(entries).toEqual([
      {
        name: 'Alpha (pinned)',
        path: alpha,
        source: 'repos.yaml',
        listedAt: { file: join(data, 'repos.yaml'), line: 3, column: 11, path: 'repos[0].path' },
      },
    ]);
  });

  it('expands ~ in roots and reports a root that does not exist', async () => {
    mkdirSync(join(tmp, 'home', 'src', 'tool', '.git'), { recursive: true });
    const { entries, errors } = await loadRepoEntries(data, withRoots(['~/src', '~/nowhere']), env());
    expect(entries).toEqual([{ name: 'tool', path: join(tmp, 'home', 'src', 'tool'), source: 'root' }]);
    expect(errors.map(formatSourceError)).toEqual([
      `${join(tmp, 'home', 'nowhere')}: no such folder (listed in repos.roots)`,
    ]);
  });

  it('skips an unreadable folder with an error and keeps the rest', async () => {
    const alpha = repo('alpha');
    repo('locked', 'inside');
    refuseAccess('readdir', join(code, 'locked'));
    const { entries, errors } = await loadRepoEntries(data, withRoots([code]), env());
    expect(entries).toEqual([{ name: 'alpha', path: alpha, source: 'root' }]);
    expect(errors.map(formatSourceError)).toEqual([`${join(code, 'locked')}: permission denied; skipped`]);
  });
});
