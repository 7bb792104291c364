import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { watch } from 'chokidar';
import { hostTimeZone } from '../../domain/scheduleCron';
import {
  noSchedulesFile,
  parseSchedulesFile,
  type SchedulesFile,
  unreadableSchedulesFile,
} from '../../domain/scheduleSource';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

export function schedulesFilePath(dataDir: string): string {
  return workspacePaths(dataDir).schedulesFile;
}

/** The text last read and what it parsed to: a reader that reads the file often (a watcher) parses it once. */
export interface SchedulesCache {
  text?: string;
  zone?: string;
  parsed?: SchedulesFile;
}

/**
 * Reads and validates the workspace's `schedules.yaml` (no file: nothing scheduled). Never throws. With `cache`,
 * the same text in the same zone returns the same object without parsing it again (a thousand schedules take a
 * few hundred milliseconds to parse).
 */
export async function loadSchedules(
  dataDir: string,
  env: { TZ?: string } = process.env,
  cache?: SchedulesCache,
): Promise<SchedulesFile> {
  const file = schedulesFilePath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return noSchedulesFile(file);
    return unreadableSchedulesFile(file, fileErrorReason(error));
  }
  const zone = hostTimeZone(env);
  if (cache?.parsed && cache.text === text && cache.zone === zone) return cache.parsed;
  const parsed = parseSchedulesFile(file, text, zone);
  if (cache) Object.assign(cache, { text, zone, parsed });
  return parsed;
}

/**
 * Calls `onChange` a moment after `schedules.yaml` is written, created or removed (an editor, `git pull`,
 * `schedule enable`). The folder is watched, not the file: an atomic write replaces the file.
 */
export async function watchSchedules(
  dataDir: string,
  onChange: () => void,
  opts: { batchMs?: number; onError?: (error: Error) => void } = {},
): Promise<{ close(): Promise<void> }> {
  const file = schedulesFilePath(dataDir);
  const name = basename(file);
  const watcher = watch(dirname(file), {
    ignoreInitial: true,
    depth: 0,
    ignored: (path) => path !== dirname(file) && basename(path) !== name,
  });
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, opts.batchMs ?? 100);
  };
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  watcher.on('error', (e) => opts.onError?.(e instanceof Error ? e : new Error(String(e))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
