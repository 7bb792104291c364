import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { acquireProjectLock } from '../../src/services/projects/projectLock';
import { alice } from './contractSuite';

describe('job ids without Redis', () => {
  const buses: Bus[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A process without Redis (a CLI, a console): its own in-memory queue, on the workspace `dataDir` if given. */
  function processWithoutRedis(dataDir?: string): Bus {
    const bus = openMemoryBus({ requester: alice, ...(dataDir ? { dataDir } : {}) });
    buses.push(bus);
    return bus;
  }

  const enqueue = (bus: Bus) =>
    bus.queue.enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice });

  it('are random short numbers when there is no workspace to count them in', async () => {
    const ids: string[] = [];
    for (let p = 0; p < 20; p++) {
      const bus = processWithoutRedis();
      const own: string[] = [];
      for (let j = 0; j < 5; j++) own.push(await enqueue(bus));
      // Unique in the process, which is all that shares them (two processes may draw the same, rarely: CI saw it).
      expect(new Set(own).size).toBe(own.length);
      ids.push(...own);
    }
    for (const id of ids) expect(id).toMatch(/^[1-9]\d{7}$/);
    // Random, not counted: 100 ids from 20 processes are not 1…5 twenty times over.
    expect(new Set(ids).size).toBeGreaterThan(90);
  });

  it("so the project lock never takes another process's first job for its own earlier attempt", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-ids-'));
    dirs.push(dataDir);
    // Two processes on one workspace (a console, a CLI): counted there, so never the same number.
    const first = await enqueue(processWithoutRedis(dataDir));
    const second = await enqueue(processWithoutRedis(dataDir));
    expect([first, second]).toEqual(['1', '2']);
    const held = await acquireProjectLock(dataDir, 'web', { jobId: first, kind: 'deploy' });
    try {
      // Another job is refused at once; the same id would be waited for as its own earlier attempt.
      await expect(acquireProjectLock(dataDir, 'web', { jobId: second, kind: 'deploy' })).rejects.toThrow(
        new RegExp(`project web is held by deploy job ${first} `),
      );
    } finally {
      await held.release();
    }
  });
});
