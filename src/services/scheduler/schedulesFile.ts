import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { hostTimeZone } from '../../domain/scheduleCron';
import {
  noSchedulesFile,
  parseSchedulesFile,
  type SchedulesFile,
  unreadableSchedulesFile,
} from '../../domain/scheduleSource';
import { type WatchFilesOptions, watchFiles } from '../storage/watchFiles';
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
 * `schedule enable`). Its folder is watched, not the file: an atomic write replaces the file.
 */
export function watchSchedules(
  dataDir: string,
  onChange: () => void,
  opts: WatchFilesOptions = {},
): Promise<{ close(): Promise<void> }> {
  const file = schedulesFilePath(dataDir);
  const name = basename(file);
  return watchFiles(dirname(file), (n) => n === name, onChange, opts);
}
