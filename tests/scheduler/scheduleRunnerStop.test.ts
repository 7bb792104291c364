import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { ScheduleRunner } from '../../src/services/scheduler/scheduleRunner';
import { freePort } from '../bus/redisTestEnv';

let dir: string | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  await bus?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the schedules of a process whose Redis does not answer', () => {
  it('stop at once, the registration in flight given up (a quit console waited for it for ever)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-schedules-away-'));
    copyFileSync(
      join(import.meta.dirname, '..', '..', 'data', 'schedules.yaml'),
      join(dir, 'schedules.yaml'),
    );
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: 'away' };
    bus = await openBus({ redisUrl, prefix: 'away', requester: { user: 'ada', host: 'jump1' }, env });
    const runner = new ScheduleRunner({ dataDir: dir, env, watch: false });
    await runner.start(bus);
    // The registration is under way and waits for Redis.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Stopping ends (the registration waits for a Redis that never answers: forever, before the fix).
    const hung = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref());
    expect(await Promise.race([runner.stop().then(() => 'stopped'), hung])).toBe('stopped');
  }, 15_000);
});
