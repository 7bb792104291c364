import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run';
import type { CommandResult } from '../../src/domain/job';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { Capture } from '../harness/capture';
import { alice, settledWithin, waitFor } from './contractSuite';
import { startRedis, stopRedis } from './ownRedis';
import { freePort, skipRedis } from './redisTestEnv';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fifty = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);

describe.skipIf(skipRedis)('a command job while Redis restarts', () => {
  let server: ChildProcess | undefined;
  let dir: string;
  let workerBus: Bus | undefined;

  afterEach(async () => {
    await workerBus?.close();
    workerBus = undefined;
    if (server) await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A worker runs a command printing 50 lines over 4 s while `run --wait` follows it; after 10 lines Redis is
   * stopped for a moment and started again.
   */
  async function scenario(persistent: boolean) {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-redis-'));
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    server = await startRedis(port, dir, persistent);
    workerBus = await openBus({ redisUrl, prefix: 'out', requester: alice, downAfterMs: 300 });
    expect(await workerBus.state.whenConnected(5000)).toBe(true);
    workerBus.consume(jobHandlersFor({}), { heartbeatMs: 200 });

    const stdout = new Capture();
    const stderr = new Capture();
    const running = runCommand(
      ['--wait', '--shell', '--', 'for i in $(seq 1 50); do echo "line $i"; sleep 0.08; done'],
      {
        stdout,
        stderr,
        env: { USER: 'alice', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: 'out', INFRADECK_READONLY: '' },
      },
    );
    await waitFor('10 lines on the terminal', () => stdout.text.includes('line 10\n'), 15_000);
    await stopRedis(server);
    await sleep(800);
    server = await startRedis(port, dir, persistent);
    // Bounded: the caller must end by itself, whatever happened to its job.
    const code = await settledWithin('run --wait to end', running, 30_000);
    return { code, stdout: stdout.text, stderr: stderr.text, redisUrl };
  }

  it('with persistence, output printed while Redis was away reaches the caller once, in order', async () => {
    const { code, stdout, stderr, redisUrl } = await scenario(true);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(`${fifty.join('\n')}\n`);
    expect(stderr).toMatch(/job \d+ completed/);
    expect(stderr).not.toMatch(/did not reach|not published/);
    const reader = await openBus({ redisUrl, prefix: 'out', requester: alice });
    try {
      expect(await reader.state.whenConnected(5000)).toBe(true);
      const [job] = await reader.queue.list();
      expect(job.result).toEqual({ exitCode: 0, lines: 50, droppedLines: 0 } satisfies CommandResult);
      expect((await reader.queue.logs(job.id)).map((l) => l.text)).toEqual(fifty);
    } finally {
      await reader.close();
    }
  });

  it('without persistence, the caller says its job is gone and exits non-zero', async () => {
    const { code, stdout, stderr } = await scenario(false);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Redis lost the event stream/);
    expect(stderr).toMatch(
      /infradeck run: job \d+ is gone: Redis no longer has it \(restarted without persistence\?\)/,
    );
    expect(stdout).toContain('line 10\n');
  });
});
