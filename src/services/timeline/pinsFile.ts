import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readPins, type TimelinePin } from '../../domain/timelinePins';
import { writeFileAtomic } from '../storage/atomicWrite';
import { workspacePaths } from '../storage/workspace';

/** `<workspace>/.cache/timeline-pins.json`: beside the scan cache, disposable, out of a checked-in workspace. */
export function pinsFilePath(dataDir: string): string {
  return join(workspacePaths(dataDir).cacheDir, 'timeline-pins.json');
}

/** The pins kept in `file`; none when there is no file yet. A file that is not JSON is an error naming it. */
export async function loadPinsFile(file: string): Promise<{ pins: TimelinePin[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pins: [], skipped: 0 };
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  try {
    return readPins(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message} (p pins again and writes it anew)`);
  }
}

/** Writes the pins whole (temp file + rename: a crash leaves the old list or the new one). */
export async function savePinsFile(file: string, pins: readonly TimelinePin[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify({ pins }, null, 2)}\n`);
}
