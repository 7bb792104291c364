import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { watch } from 'chokidar';
import { readyWatcher } from '../storage/watchFiles';
import { workspacePaths } from '../storage/workspace';
import { stateDir } from './stateFile';

export interface ProjectChange {
  /** A blueprint in `projects/`, or a state file in `state/` (a job recorded something). */
  kind: 'blueprint' | 'state';
  event: 'add' | 'change' | 'unlink';
  file: string;
  /** The file's name without its extension (for a blueprint, usually but not always the project's name). */
  stem: string;
}

export interface ProjectWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Changes arriving within this window are reported together (default 50 ms). */
  batchMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Reports edits of the project folder (any editor, another console, `git pull`) and of the state folder, a few
 * tens of milliseconds after they happen. Both folders are watched as folders (chokidar 4 has no globs) and
 * only `*.yaml`/`*.yml`/`*.json` count; hidden files (the temp files of atomic writes, editor swap files) are
 * ignored. Resolves once the watcher is ready.
 */
export async function watchProjects(
  dataDir: string,
  onChange: (changes: ProjectChange[]) => void,
  options: WatchOptions = {},
): Promise<ProjectWatcher> {
  const projects = workspacePaths(dataDir).projectsDir;
  const states = stateDir(dataDir);
  await Promise.all([mkdir(projects, { recursive: true }), mkdir(states, { recursive: true })]);
  const batchMs = options.batchMs ?? 50;
  const watcher = watch([projects, states], {
    ignoreInitial: true,
    depth: 0,
    ignored: (path, stats) => {
      const name = basename(path);
      if (path === projects || path === states) return false;
      if (name.startsWith('.')) return true;
      return stats?.isFile() === true && !/\.(ya?ml|json)$/.test(name);
    },
  });
  let pending = new Map<string, ProjectChange>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = [...pending.values()];
    pending = new Map();
    if (batch.length > 0) onChange(batch);
  };
  const note = (event: ProjectChange['event']) => (file: string) => {
    const name = basename(file);
    const kind = file.startsWith(states) && name.endsWith('.json') ? 'state' : 'blueprint';
    if (kind === 'blueprint' && !/\.ya?ml$/.test(name)) return;
    pending.set(file, { kind, event, file, stem: name.replace(/\.(ya?ml|json)$/, '') });
    timer ??= setTimeout(flush, batchMs);
  };
  watcher.on('add', note('add')).on('change', note('change')).on('unlink', note('unlink'));
  return readyWatcher(watcher, options.onError, () => clearTimeout(timer));
}
