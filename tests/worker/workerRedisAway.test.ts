import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../bus/redisTestEnv';
import { cliPath } from '../harness/cliProcess';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a worker whose Redis does not answer', () => {
  it('stops on SIGTERM, and its process ends (BullMQ alone would wait for ever)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-worker-away-'));
    // A port nothing listens on: the worker keeps reconnecting.
    const port = await freePort();
    const child = spawn(process.execPath, [cliPath, 'worker', '--data', dir], {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}`, INFRADECK_REDIS_PREFIX: 'away' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!/SIGTERM or Ctrl-C stops it/.test(out) || !/refused the connection/.test(out)) {
        if (Date.now() > deadline) throw new Error(`the worker did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const stopping = Date.now();
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      expect(code, out).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(6_000);
      expect(out).toMatch(/worker \S+ stopped/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
