import { readFile, stat, unlink, utimes } from 'node:fs/promises';

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

/** A lock file this process wrote: heartbeats keep it fresh; `lost` fires when another process took it. */
export interface HeldLockFile {
  lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * Keeps the lock at `file` written with `token`: touches it every `heartbeatMs` while it is still ours, aborts
 * `lost` with `lostMessage` once it is not; `release` removes it only if it is still ours.
 */
export function holdLockFile(
  file: string,
  token: string,
  heartbeatMs: number,
  lostMessage: string,
): HeldLockFile {
  const lost = new AbortController();
  const ours = async () => (await readLockFile<{ token?: string }>(file))?.holder?.token === token;
  const timer = setInterval(async () => {
    if (!(await ours())) {
      clearInterval(timer);
      lost.abort(new Error(lostMessage));
      return;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  let released = false;
  return {
    lost: lost.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (await ours()) await unlink(file).catch(() => {});
    },
  };
}
