import { type ExecFileException, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LastCommit, RepoDetails, RepoEntry, RepoStatus } from '../../domain/repo';

export interface GitReadOptions {
  /** Per git command; a repository on a hung network mount must not stall the whole list. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 15_000;

// Variables a git hook (or a shell inside `git rebase -x`) may have set: they would point every command
// at that one repository instead of the entry's folder.
const repoPinningVariables = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

/** A git command that failed; `message` is the one line worth showing (git's own first stderr line). */
export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

/**
 * Runs `git` in `folder` with an argument array (never a shell), without optional locks (so reading a
 * status never blocks or breaks a concurrent commit), in the C locale (parsable, English messages),
 * with paths printed as they are, and only ever looking at `folder` itself, never a repository above it.
 */
export function runGit(
  folder: string,
  args: readonly string[],
  options: GitReadOptions = {},
): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    // A listed folder that is not itself a repository must say so, not report an enclosing one.
    GIT_CEILING_DIRECTORIES: dirname(folder),
  };
  for (const name of repoPinningVariables) delete env[name];

  const fullArgs = [
    '-c',
    'core.quotepath=off',
    '-c',
    'color.ui=false',
    '-c',
    'log.showSignature=false',
    ...args,
  ];
  const timeout = options.timeoutMs ?? defaultTimeoutMs;
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      fullArgs,
      { cwd: folder, env, timeout, maxBuffer: 64 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        // spawn says ENOENT both for a missing program and for a missing working folder.
        if (error.code === 'ENOENT' && !existsSync(folder))
          return reject(new GitCommandError(`${folder}: no such folder`, args));
        reject(new GitCommandError(failureReason(error, stderr, timeout), args));
      },
    );
  });
}

function failureReason(error: ExecFileException, stderr: string, timeout: number) {
  if (error.code === 'ENOENT') return 'git is not installed (not found on PATH)';
  if (error.killed) return `git timed out after ${Math.round(timeout / 1000)}s`;
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'git printed too much output';
  const first = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!first) return error.message.split('\n')[0];
  if (/^fatal: not a git repository/.test(first)) return 'not a git repository';
  return first.replace(/^(fatal|error): /, '');
}

/** Checks the folder before asking git, so "missing" and "not a folder" read as such. */
async function folderProblem(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? undefined : `not a folder: ${path}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `path does not exist: ${path}`;
    if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${path}`;
    return (err as Error).message;
  }
}

// \x1f (unit separator) cannot appear in a hash, a number or a one-line subject in practice; \x1e
// separates commits in a multi-commit log.
const commitFormat = '--format=%h%x1f%ct%x1f%an%x1f%s%x1e';

function parseCommits(out: string): LastCommit[] {
  const commits: LastCommit[] = [];
  for (const record of out.split('\x1e')) {
    const text = record.replace(/^\n/, '');
    if (!text) continue;
    const [hash, time, author, ...subject] = text.split('\x1f');
    commits.push({ hash, time: Number(time), author, subject: subject.join('\x1f') });
  }
  return commits;
}

interface BranchState {
  oid?: string;
  head?: string;
  upstream?: string;
  ahead?: number;
  behind?: number;
  changed: number;
}

/**
 * `git status --porcelain=v2 --branch`: header lines `# branch.*`, then one line per changed path
 * (`1`/`2` tracked changes, `u` unmerged, `?` untracked). Paths with newlines come quoted, so
 * counting lines counts paths.
 */
function parseStatusV2(out: string): BranchState {
  const state: BranchState = { changed: 0 };
  for (const line of out.split('\n')) {
    if (line.startsWith('# branch.oid ')) state.oid = line.slice('# branch.oid '.length);
    else if (line.startsWith('# branch.head ')) state.head = line.slice('# branch.head '.length);
    else if (line.startsWith('# branch.upstream ')) state.upstream = line.slice('# branch.upstream '.length);
    else if (line.startsWith('# branch.ab ')) {
      const m = /^# branch\.ab \+(\d+) -(\d+)/.exec(line);
      if (m) {
        state.ahead = Number(m[1]);
        state.behind = Number(m[2]);
      }
    } else if (/^[12u?] /.test(line)) state.changed++;
  }
  return state;
}

/**
 * The row for one repository. Never rejects: anything that goes wrong becomes `{ kind: 'error' }`.
 * Two git processes, both cheap whatever the history size: one status (branch, upstream, ahead/behind
 * and the changed paths) and one `log -1`.
 *
 * `changed` counts every path `git status` lists: modified, staged, renamed, deleted, unmerged, and
 * untracked (not ignored) files, each once even when both staged and modified.
 */
export async function readRepoStatus(entry: RepoEntry, options: GitReadOptions = {}): Promise<RepoStatus> {
  const problem = await folderProblem(entry.path);
  if (problem) return { kind: 'error', entry, error: problem };

  const status = runGit(
    entry.path,
    ['status', '--porcelain=v2', '--branch', '--untracked-files=normal'],
    options,
  );
  const log = runGit(entry.path, ['log', '-1', commitFormat], options);
  // Both start at once; the log may fail on an empty repository, which the status explains.
  log.catch(() => {});

  let state: BranchState;
  try {
    state = parseStatusV2(await status);
  } catch (err) {
    return { kind: 'error', entry, error: (err as Error).message };
  }

  let last: LastCommit | undefined;
  if (state.oid !== '(initial)') {
    try {
      last = parseCommits(await log)[0];
    } catch (err) {
      return { kind: 'error', entry, error: (err as Error).message };
    }
  }

  const detached = state.head === '(detached)';
  const shortOid = last?.hash ?? state.oid?.slice(0, 7) ?? '';
  const result: RepoStatus = {
    kind: 'ok',
    entry,
    branch: detached ? `(detached ${shortOid})` : (state.head ?? '?'),
    detached,
    changed: state.changed,
  };
  if (state.upstream !== undefined) result.upstream = state.upstream;
  // No `# branch.ab` with an upstream set means the upstream branch is gone: ahead/behind stay unknown.
  if (state.ahead !== undefined) result.ahead = state.ahead;
  if (state.behind !== undefined) result.behind = state.behind;
  if (last) result.last = last;
  return result;
}

export interface RepoDetailsOptions extends GitReadOptions {
  /** How many recent commits to list. */
  logLimit?: number;
}

/**
 * The details pane: `git status --short --branch` lines and the recent log. Rejects with a
 * GitCommandError (or an Error for a missing folder) whose message is fit to show.
 */
export async function readRepoDetails(
  entry: RepoEntry,
  options: RepoDetailsOptions = {},
): Promise<RepoDetails> {
  const problem = await folderProblem(entry.path);
  if (problem) throw new Error(problem);

  const logLimit = Math.max(1, Math.floor(options.logLimit ?? 30));
  const status = runGit(entry.path, ['status', '--short', '--branch', '--untracked-files=normal'], options);
  const log = runGit(entry.path, ['log', `--max-count=${logLimit}`, commitFormat], options);
  log.catch(() => {});

  const statusLines = (await status).split('\n').filter((l) => l.length > 0);
  let commits: LastCommit[] = [];
  try {
    commits = parseCommits(await log);
  } catch (err) {
    // A repository without commits has no log; anything else is worth reporting.
    if (!statusLines[0]?.startsWith('## No commits yet')) throw err;
  }
  return { entry, status: statusLines, log: commits };
}

/**
 * One commit as `git show --stat` prints it (author, committer, message, changed files), for the commit view.
 * `hash` must look like a commit id: it comes from our own log, but is never handed to git as an option.
 */
export async function readCommit(
  entry: RepoEntry,
  hash: string,
  options: GitReadOptions = {},
): Promise<string[]> {
  if (!/^[0-9a-f]{4,64}$/i.test(hash)) throw new Error(`not a commit id: ${JSON.stringify(hash)}`);
  const problem = await folderProblem(entry.path);
  if (problem) throw new Error(problem);
  const out = await runGit(entry.path, ['show', '--stat', '--format=fuller', hash, '--'], options);
  return out.replace(/\n$/, '').split('\n');
}

export interface ReadAllOptions extends GitReadOptions {
  /** Repositories read at once (each costs two short git processes). */
  concurrency?: number;
  /** Called as each row becomes known, so a screen can fill in before the slowest repository answers. */
  onStatus?: (status: RepoStatus, index: number) => void;
}

/** Every row, in the order of `entries`, with at most `concurrency` repositories being read at a time. */
export async function readAllRepoStatus(
  entries: readonly RepoEntry[],
  options: ReadAllOptions = {},
): Promise<RepoStatus[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const results: RepoStatus[] = new Array(entries.length);
  let next = 0;
  const lane = async () => {
    while (next < entries.length) {
      const index = next++;
      results[index] = await readRepoStatus(entries[index], options);
      options.onStatus?.(results[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, lane));
  return results;
}
