import { readFile, stat } from 'node:fs/promises';

/** A lock file as found: its text (to tell a rewrite), its holder when the text is JSON, its age. */
export interface LockFileRead<T> {
  text: string;
  holder?: T;
  mtimeMs: number;
}

/** The lock file at `file`, or undefined when there is none (or it cannot be read). */
export async function readLockFile<T>(file: string): Promise<LockFileRead<T> | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let holder: T | undefined;
    try {
      holder = JSON.parse(text) as T;
    } catch {
      holder = undefined;
    }
    return { text, holder, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Whether a process of this host still runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
