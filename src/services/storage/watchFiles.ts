import { basename, dirname, resolve } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export interface WatchFilesOptions {
  /** Changes arriving within this window are reported once (default 100 ms). */
  batchMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Calls `onChange` a moment after a file of `dir` whose name `accept`s is written, created or removed (an editor,
 * `git pull`, another console), or the folder itself comes or goes. The folder's parent is watched, one level
 * down, so a folder made later is followed too and watching it creates nothing; hidden files (the temp files of
 * atomic writes, editor swap files) never count. Resolves once the watcher is ready.
 */
export async function watchFiles(
  dir: string,
  accept: (name: string) => boolean,
  onChange: () => void,
  opts: WatchFilesOptions = {},
): Promise<{ close(): Promise<void> }> {
  const folder = resolve(dir);
  const parent = dirname(folder);
  const watcher = watch(parent, {
    ignoreInitial: true,
    depth: 1,
    ignored: (path, stats) => {
      const full = resolve(path);
      if (full === parent || full === folder) return false;
      if (dirname(full) !== folder) return true;
      const name = basename(full);
      return name.startsWith('.') || (stats !== undefined && !stats.isFile()) || !accept(name);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, opts.batchMs ?? 100);
  };
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(event, changed);
  return readyWatcher(watcher, opts.onError, () => clearTimeout(timer));
}

/** Passes on the watcher's errors, resolves once it is ready, with its stop (`dropPending`: a report not yet made). */
export async function readyWatcher(
  watcher: FSWatcher,
  onError: ((error: Error) => void) | undefined,
  dropPending: () => void,
): Promise<{ close(): Promise<void> }> {
  watcher.on('error', (e) => onError?.(e instanceof Error ? e : new Error(String(e))));
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  return {
    async close() {
      dropPending();
      await watcher.close();
    },
  };
}

/** `*.yaml` and `*.yml`: what the workspace's folders of definitions hold. */
export function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}
