import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../cloud/retry';
import { holdLockFile, processAlive, readLockFile } from '../storage/lockFile';
import { RefusalError } from './refusal';
import { stateDir } from './stateFile';

/**
 * Who holds a project. The lock is a file beside the project's state file, `<dataDir>/state/<project>.lock`,
 * created with O_EXCL (only one creator wins, also over NFS v3+ and between hosts sharing the folder): the
 * state file is what two deploys would corrupt, so the lock lives where the state lives.
 */
export interface LockOwner {
  token: string;
  jobId: string;
  kind: string;
  pid: number;
  host: string;
  /** Epoch ms. */
  startedAt: number;
}

export interface ProjectLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Aborted if the lock was taken from this holder (it was judged stale): stop changing things at once. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface LockOptions {
  /** A lock whose heartbeat (the file's mtime) is older than this is stale. Default 30 s. */
  staleMs?: number;
  /** How often the holder touches the file. Default 5 s. */
  heartbeatMs?: number;
  host?: string;
  pid?: number;
  now?: () => number;
  /** Stops a wait for the job's own previous attempt. */
  signal?: AbortSignal;
}

export function lockFilePath(dataDir: string, project: string): string {
  return join(stateDir(dataDir), `${project}.lock`);
}

/**
 * Takes the project's lock or refuses with who holds it. A lock is taken over only when it is stale: its
 * holder's process is gone (same host), or its heartbeat stopped for `staleMs` (any host). A lock held by
 * an earlier attempt of the same job is waited for (up to `staleMs`): that is a worker that died mid-job.
 */
export async function acquireProjectLock(
  dataDir: string,
  project: string,
  who: { jobId: string; kind: string },
  options: LockOptions = {},
): Promise<ProjectLock> {
  const staleMs = options.staleMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const now = options.now ?? Date.now;
  const file = lockFilePath(dataDir, project);
  await mkdir(stateDir(dataDir), { recursive: true });
  const owner: LockOwner = {
    token: randomBytes(12).toString('hex'),
    jobId: who.jobId,
    kind: who.kind,
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    startedAt: now(),
  };

  // The same job's previous attempt (its worker died or stalled and the queue handed the job on) is waited
  // for until its heartbeat stops; anything else holding the project is refused at once.
  const waitUntil = now() + staleMs + heartbeatMs;
  let removals = 0;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return held(file, owner, heartbeatMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLockFile<LockOwner>(file);
    if (!holder) continue; // released between our create and our read: try again
    const age = now() - holder.mtimeMs;
    const deadProcess = holder.holder?.host === owner.host && !processAlive(holder.holder.pid);
    if (age <= staleMs && !deadProcess) {
      if (holder.holder?.jobId === who.jobId && now() < waitUntil) {
        await sleep(Math.min(heartbeatMs, 1000), options.signal);
        continue;
      }
      throw busy(project, holder.holder, age);
    }
    // Stale. Remove it only if it is still the one we judged: another taker may have replaced it already.
    if (++removals > 3) throw busy(project, holder.holder, age);
    const again = await readLockFile<LockOwner>(file);
    if (again && again.text === holder.text) await unlink(file).catch(() => {});
  }
}

function busy(project: string, owner: LockOwner | undefined, ageMs: number): RefusalError {
  const who = owner
    ? `${owner.kind} job ${owner.jobId} (pid ${owner.pid} on ${owner.host}, since ${new Date(owner.startedAt).toISOString()})`
    : 'a job whose lock file cannot be read';
  return new RefusalError(
    'busy',
    `project ${project} is held by ${who}; last heartbeat ${Math.round(ageMs / 1000)} s ago. ` +
      'Two jobs never change one project at once: wait for it to finish (or cancel it) and run this again',
  );
}

function held(file: string, owner: LockOwner, heartbeatMs: number): ProjectLock {
  const lock = holdLockFile(file, owner.token, heartbeatMs, `the lock ${file} was taken over by another job`);
  return { file, owner, ...lock };
}
