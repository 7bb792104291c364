import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export interface WatchFilesOptions {
  /** Changes arriving within this window are reported once (default 100 ms). */
  batchMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Calls `onChange` a moment after a file of `dir` whose name `accept`s is written, created or removed (an editor,
 * `git pull`, another console), or the folder itself comes or goes; watching it creates nothing. While the folder
 * exists only it is watched: its parent may be busy (a worker's log beside its workspace woke a watcher of the
 * parent at each line). While it does not, the parent is watched one level down, which follows the folder's
 * coming and what it then holds. Hidden files (the temp files of atomic writes, editor swap files) never count.
 * Resolves once the watcher is ready.
 */
export async function watchFiles(
  dir: string,
  accept: (name: string) => boolean,
  onChange: () => void,
  opts: WatchFilesOptions = {},
): Promise<{ close(): Promise<void> }> {
  const folder = resolve(dir);
  const parent = dirname(folder);
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, opts.batchMs ?? 100);
  };
  const start = (inFolder: boolean): FSWatcher => {
    const watcher = watch(inFolder ? folder : parent, {
      ignoreInitial: true,
      depth: inFolder ? 0 : 1,
      ignored: (path, stats) => {
        const full = resolve(path);
        if (full === parent || full === folder) return false;
        if (dirname(full) !== folder) return true;
        const name = basename(full);
        return name.startsWith('.') || (stats !== undefined && !stats.isFile()) || !accept(name);
      },
    });
    for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const)
      watcher.on(event, changed);
    // chokidar does not follow a watched folder that is removed and made again: the parent takes over.
    if (inFolder) watcher.on('unlinkDir', (path) => resolve(path) === folder && void toParent());
    return watcher;
  };
  let closing = false;
  let current = await readyWatcher(start(existsSync(folder)), opts.onError, () => {});
  const toParent = async () => {
    const next = await readyWatcher(start(false), opts.onError, () => {});
    const old = current;
    current = next;
    await old.close();
    if (closing) await next.close();
    // Made again while the parent's watcher started: read it anyway.
    else changed();
  };
  return {
    async close() {
      closing = true;
      clearTimeout(timer);
      await current.close();
    },
  };
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
