import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as z from 'zod';
import type { DeckConfig } from '../../domain/config';
import type { RepoEntry } from '../../domain/repo';
import type { SourceError } from '../../domain/sourceError';
import { parseYamlFile, sourceErrorAt } from '../../domain/yamlSource';
import { type Env, resolveUserPath, xdgFolder } from './userPath';
import { fileErrorReason } from './yamlFile';

/** `$INFRADECK_DATA`, else `$XDG_DATA_HOME/infradeck`, else `~/.local/share/infradeck`. */
export function defaultDataDir(env: Env = process.env): string {
  if (env.INFRADECK_DATA) return resolve(env.INFRADECK_DATA);
  return join(xdgFolder(env, 'XDG_DATA_HOME', join('.local', 'share')), 'infradeck');
}

export interface WorkspacePaths {
  root: string;
  reposFile: string;
  serversFile: string;
  schedulesFile: string;
  projectsDir: string;
  batchesDir: string;
  pipelinesDir: string;
  /** Disposable (scan results); hidden so it stays out of the way in a checked-in workspace. */
  cacheDir: string;
  auditDir: string;
}

/** Where each part of a workspace lives. Only computes paths; touches nothing. */
export function workspacePaths(dataDir: string): WorkspacePaths {
  const root = resolve(dataDir);
  return {
    root,
    reposFile: join(root, 'repos.yaml'),
    serversFile: join(root, 'servers.yaml'),
    schedulesFile: join(root, 'schedules.yaml'),
    projectsDir: join(root, 'projects'),
    batchesDir: join(root, 'batches'),
    pipelinesDir: join(root, 'pipelines'),
    cacheDir: join(root, '.cache'),
    auditDir: join(root, 'audit'),
  };
}

export const reposFileSchema = z
  .object({
    repos: z
      .array(
        z
          .object({
            /** Shown in the list; defaults to the folder's name. */
            name: z.string().min(1).optional(),
            /** Relative to the workspace folder, absolute, or starting with `~`. */
            path: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type ReposFile = z.infer<typeof reposFileSchema>;

export interface RepoEntries {
  entries: RepoEntry[];
  errors: SourceError[];
}

// Folders never searched for repositories: dependency trees are huge and never hold the user's repos.
const skippedFolders = new Set(['node_modules']);

/**
 * The repositories to show: those listed in `repos.yaml` (in file order), then those found under
 * `config.repos.roots` (roots in config order, each sorted by path). The same repository reached twice
 * (by two entries, a symlink, or a listed repo inside a root) is shown once, first occurrence wins.
 * Never throws: an unreadable file or folder becomes an error and the rest still loads.
 */
export async function loadRepoEntries(
  dataDir: string,
  config: DeckConfig,
  env: Env = process.env,
): Promise<RepoEntries> {
  const paths = workspacePaths(dataDir);
  const entries: RepoEntry[] = [];
  const errors: SourceError[] = [];
  const seen = new Set<string>();

  const add = async (entry: RepoEntry) => {
    const key = await realpath(entry.path).catch(() => entry.path);
    if (seen.has(key)) return;
    seen.add(key);
    entries.push(entry);
  };

  for (const { repo, listedAt } of await readReposFile(paths.reposFile, errors)) {
    const path = resolveUserPath(repo.path, paths.root, env);
    await add({ name: repo.name ?? basename(path), path, source: 'repos.yaml', listedAt });
  }

  for (const root of config.repos.roots) {
    const folder = resolveUserPath(root, paths.root, env);
    const found: string[] = [];
    await discover(folder, 0, config.repos.depth, found, errors, new Set());
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const path of found) await add({ name: basename(path), path, source: 'root' });
  }

  return { entries, errors };
}

type ListedRepo = { repo: ReposFile['repos'][number]; listedAt: NonNullable<RepoEntry['listedAt']> };

/**
 * The listed repos, each with the place of its `path`; a missing file is an empty list, a bad one adds its errors
 * and lists none.
 */
async function readReposFile(file: string, errors: SourceError[]): Promise<ListedRepo[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      errors.push({ file, line: 0, column: 0, path: '', message: fileErrorReason(err) });
    }
    return [];
  }
  const result = parseYamlFile(file, text, reposFileSchema, { empty: {} });
  if (result.ok)
    return result.value.repos.map((repo, i) => {
      const { line, column, path } = sourceErrorAt(file, result.doc, result.lines, ['repos', i, 'path'], '');
      return { repo, listedAt: { file, line, column, path } };
    });
  errors.push(...result.errors);
  return [];
}

/** Depth 0 checks only the root itself; each level more also searches one more level of sub-folders. */
async function discover(
  folder: string,
  level: number,
  depth: number,
  found: string[],
  errors: SourceError[],
  visited: Set<string>,
): Promise<void> {
  let children: Dirent[];
  try {
    children = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      level === 0 ? `${folderReason(err)} (listed in repos.roots)` : `${folderReason(err)}; skipped`;
    if (level > 0 && code === 'ENOENT') return; // vanished while we looked: nothing to report
    errors.push({ file: folder, line: 0, column: 0, path: '', message: reason });
    return;
  }

  // A folder holding `.git` (a folder, or a file for worktrees and submodules) is a repository.
  if (children.some((c) => c.name === '.git')) {
    found.push(folder);
    return;
  }
  if (level >= depth) return;

  // Symlinked folders are followed; remembering real paths keeps a link loop from being walked twice.
  const real = await realpath(folder).catch(() => folder);
  if (visited.has(real)) return;
  visited.add(real);

  const subfolders = children
    .filter((c) => !c.name.startsWith('.') && !skippedFolders.has(c.name))
    .filter((c) => c.isDirectory() || c.isSymbolicLink())
    .map((c) => c.name)
    .sort();
  for (const name of subfolders) {
    const child = join(folder, name);
    if (!(await isFolder(child))) continue;
    await discover(child, level + 1, depth, found, errors, visited);
  }
}

function folderReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such folder';
  if (code === 'ENOTDIR') return 'not a folder';
  return fileErrorReason(err);
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => true, // let readdir report why it cannot be read
  );
}
