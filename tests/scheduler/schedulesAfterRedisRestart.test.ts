import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { openScheduler, ScheduleRunner } from '../../src/services/scheduler/scheduleRunner';
import { waitFor } from '../bus/contractSuite';
import { startRedis, stopRedis } from '../bus/ownRedis';
import { freePort, skipRedis } from '../bus/redisTestEnv';

let dirs: string[] = [];
let bus: Bus | undefined;
let runner: ScheduleRunner | undefined;
let server: ChildProcess | undefined;
afterEach(async () => {
  await runner?.stop();
  await bus?.close();
  if (server) await stopRedis(server);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe.skipIf(skipRedis)('the schedules of a worker whose Redis restarts without its data', () => {
  it('are registered again when Redis is back (they stopped ticking until the worker restarted)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'infradeck-schedules-restart-'));
    const redisDir = mkdtempSync(join(tmpdir(), 'infradeck-schedules-redis-'));
    dirs = [data, redisDir];
    copyFileSync(
      join(import.meta.dirname, '..', '..', 'data', 'schedules.yaml'),
      join(data, 'schedules.yaml'),
    );
    const port = await freePort();
    server = await startRedis(port, redisDir, false);
    const redisUrl = `redis://127.0.0.1:${port}`;
    const env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: 'restart' };
    bus = await openBus({ redisUrl, prefix: 'restart', requester: { user: 'ada', host: 'jump1' }, env });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const reports: string[][] = [];
    runner = new ScheduleRunner({
      dataDir: data,
      env,
      watch: false,
      onReport: (report) => reports.push(report.registered),
    });
    await runner.start(bus);
    await runner.synced();
    const enabled = ['nightly-report', 'scan-europe', 'uptime'];
    const reader = await openScheduler(bus, { env });
    try {
      expect([...(await reader.registered()).keys()].sort()).toEqual(enabled);

      await stopRedis(server);
      await waitFor('the bus to see Redis gone', () => bus!.state.get().state !== 'connected' || undefined);
      server = await startRedis(port, redisDir, false);
      expect(await bus.state.whenConnected(15_000)).toBe(true);
      const back = await waitFor(
        'the schedules registered again',
        async () => {
          const names = [...(await reader.registered().catch(() => new Map())).keys()].sort();
          return names.length === enabled.length ? names : undefined;
        },
        15_000,
      );
      expect(back).toEqual(enabled);
      // The worker's log says so, as on an edit of the file.
      expect(reports.at(-1)?.sort()).toEqual(enabled);
    } finally {
      await reader.close();
    }
  }, 45_000);
});
