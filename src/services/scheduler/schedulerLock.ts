import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { stateDir } from '../projects/stateFile';
import { holdLockFile, processAlive, readLockFile } from '../storage/lockFile';

/** Who runs a workspace's schedules in-process. */
export interface SchedulerHolder {
  token: string;
  pid: number;
  host: string;
  startedAt: number;
}

export interface SchedulerLock {
  readonly holder: SchedulerHolder;
  /** Aborted when another process took the lock over (this one stopped touching it in time): stop ticking. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export function schedulerLockPath(dataDir: string): string {
  return join(stateDir(dataDir), 'schedules', 'scheduler.lock');
}

/**
 * Without Redis each process would tick on its own: two consoles on one workspace would run every tick twice.
 * The first process to create this file (O_EXCL) runs the schedules; the others say who does. A holder whose
 * process is gone (same host) or whose heartbeat (the file's mtime) stopped for `staleMs` is replaced.
 * Resolves the lock, or the holder that keeps it.
 */
export async function acquireSchedulerLock(
  dataDir: string,
  opts: { staleMs?: number; heartbeatMs?: number } = {},
): Promise<{ lock: SchedulerLock } | { heldBy: SchedulerHolder | undefined }> {
  const file = schedulerLockPath(dataDir);
  const staleMs = opts.staleMs ?? 30_000;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  await mkdir(dirname(file), { recursive: true });
  const holder: SchedulerHolder = {
    token: randomBytes(12).toString('hex'),
    pid: process.pid,
    host: hostname(),
    startedAt: Date.now(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(holder)}\n`);
      } finally {
        await handle.close();
      }
      return { lock: held(file, holder, heartbeatMs) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readLockFile<SchedulerHolder>(file);
    if (!current) continue;
    const stale =
      Date.now() - current.mtimeMs > staleMs ||
      (current.holder?.host === holder.host && !processAlive(current.holder.pid));
    if (!stale) return { heldBy: current.holder };
    const again = await readLockFile<SchedulerHolder>(file);
    if (again?.text === current.text) await unlink(file).catch(() => {});
  }
  return { heldBy: (await readLockFile<SchedulerHolder>(file))?.holder };
}

function held(file: string, holder: SchedulerHolder, heartbeatMs: number): SchedulerLock {
  const lock = holdLockFile(
    file,
    holder.token,
    heartbeatMs,
    `another process took over running the schedules (${file})`,
  );
  return { holder, ...lock };
}
