import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireProjectLock, lockFilePath } from '../../src/services/projects/projectLock';
import { stateDir } from '../../src/services/projects/stateFile';
import { tempDataDir } from './helpers';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function dataDir(): string {
  const d = tempDataDir();
  cleanup.push(d.remove);
  return d.dir;
}

/** A lock file as another process or host would have written it. */
function foreignLock(dir: string, owner: { pid: number; host: string; jobId?: string }, ageMs = 0) {
  mkdirSync(stateDir(dir), { recursive: true });
  const file = lockFilePath(dir, 'shop');
  writeFileSync(
    file,
    JSON.stringify({
      token: 'theirs',
      jobId: owner.jobId ?? 'job-9',
      kind: 'deploy',
      startedAt: 0,
      ...owner,
    }),
  );
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
  return file;
}

describe('the project lock', () => {
  it('refuses a second holder until the first releases it', async () => {
    const dir = dataDir();
    const first = await acquireProjectLock(dir, 'shop', { jobId: 'job-1', kind: 'deploy' });
    await expect(acquireProjectLock(dir, 'shop', { jobId: 'job-2', kind: 'destroy' })).rejects.toThrow(
      /^refused: project shop is held by deploy job job-1 \(pid \d+ on .*\); last heartbeat 0 s ago/,
    );
    await first.release();
    const second = await acquireProjectLock(dir, 'shop', { jobId: 'job-2', kind: 'destroy' });
    expect(JSON.parse(readFileSync(second.file, 'utf8'))).toMatchObject({ jobId: 'job-2', pid: process.pid });
    await second.release();
  });

  it('is held across processes: a live process keeps it, a dead one loses it', async () => {
    const dir = dataDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanup.push(() => child.kill('SIGKILL'));
    await new Promise((resolve) => child.once('spawn', resolve));
    foreignLock(dir, { pid: child.pid!, host: hostname() });
    await expect(acquireProjectLock(dir, 'shop', { jobId: 'job-1', kind: 'deploy' })).rejects.toThrow(
      new RegExp(`held by deploy job job-9 \\(pid ${child.pid} on `),
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lock = await acquireProjectLock(dir, 'shop', { jobId: 'job-1', kind: 'deploy' });
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).jobId).toBe('job-1');
    await lock.release();
  });

  it('a holder on another host keeps it while its heartbeat is fresh, and loses it when it stops', async () => {
    const dir = dataDir();
    foreignLock(dir, { pid: 1, host: 'worker-2.example' }, 5_000);
    await expect(
      acquireProjectLock(dir, 'shop', { jobId: 'job-1', kind: 'deploy' }, { staleMs: 30_000 }),
    ).rejects.toThrow(/pid 1 on worker-2\.example.*last heartbeat 5 s ago/);
    foreignLock(dir, { pid: 1, host: 'worker-2.example' }, 60_000);
    const lock = await acquireProjectLock(
      dir,
      'shop',
      { jobId: 'job-1', kind: 'deploy' },
      { staleMs: 30_000 },
    );
    await lock.release();
  });

  it('a holder whose lock was taken over is told at once (its lost signal aborts)', async () => {
    const dir = dataDir();
    const lock = await acquireProjectLock(
      dir,
      'shop',
      { jobId: 'job-1', kind: 'deploy' },
      { heartbeatMs: 10 },
    );
    foreignLock(dir, { pid: 1, host: 'worker-2.example' });
    await vi.waitFor(() => expect(lock.lost.aborted).toBe(true), { timeout: 2000 });
    await lock.release();
    // Releasing a lock that is no longer ours leaves the new holder's file alone.
    expect(JSON.parse(readFileSync(lockFilePath(dir, 'shop'), 'utf8')).host).toBe('worker-2.example');
  });

  it('the heartbeat keeps a long job from looking stale', async () => {
    const dir = dataDir();
    const lock = await acquireProjectLock(
      dir,
      'shop',
      { jobId: 'job-1', kind: 'deploy' },
      { heartbeatMs: 10 },
    );
    const file = lockFilePath(dir, 'shop');
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    await vi.waitFor(() => expect(Date.now() - statSync(file).mtimeMs).toBeLessThan(60_000), {
      timeout: 2000,
    });
    await expect(
      acquireProjectLock(
        dir,
        'shop',
        { jobId: 'job-2', kind: 'deploy' },
        { staleMs: 60_000, host: 'elsewhere' },
      ),
    ).rejects.toThrow(/held by deploy job job-1/);
    await lock.release();
  });
});

describe('a job handed to another worker', () => {
  it('waits for its own previous attempt to go stale instead of being refused', async () => {
    const dir = dataDir();
    // The previous attempt of job-7 ran on a host that went away; its last heartbeat was 100 ms ago.
    foreignLock(dir, { pid: 1, host: 'worker-2.example', jobId: 'job-7' }, 100);
    const lock = await acquireProjectLock(
      dir,
      'shop',
      { jobId: 'job-7', kind: 'deploy' },
      { staleMs: 300, heartbeatMs: 20 },
    );
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ jobId: 'job-7', pid: process.pid });
    await lock.release();
  });

  it('another job is still refused at once', async () => {
    const dir = dataDir();
    foreignLock(dir, { pid: 1, host: 'worker-2.example', jobId: 'job-7' }, 100);
    await expect(
      acquireProjectLock(
        dir,
        'shop',
        { jobId: 'job-8', kind: 'deploy' },
        { staleMs: 60_000, heartbeatMs: 20 },
      ),
    ).rejects.toThrow(/held by deploy job job-7/);
  });
});
