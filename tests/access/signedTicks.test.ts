import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/domain/config';
import type { JobSpec } from '../../src/domain/job';
import { scheduleRequester } from '../../src/domain/scheduleRequester';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { setWorkspaceIdentity, workspaceIdentity } from '../../src/services/identity/workspaceIdentity';
import { ScheduleRunner } from '../../src/services/scheduler/scheduleRunner';
import { startRunner } from '../../src/worker/runner';
import { jobEnd } from './signedJobs';
import { who } from './signedSpecs';

describe('signed requests on an in-memory worker: schedule ticks', () => {
  let dir: string;
  let bus: Bus;
  const before = workspaceIdentity();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-ticks-'));
    writeFileSync(
      join(dir, 'schedules.yaml'),
      [
        'schedules:',
        '  - name: nightly',
        '    cron: "30 2 * * *"',
        '    timezone: UTC',
        '    job:',
        `      run: [touch, ${join(dir, 'nightly')}]`,
      ].join('\n'),
    );
    setWorkspaceIdentity({
      dataDir: dir,
      access: { ...defaultConfig.access, requireSignatures: true },
      env: {},
    });
    bus = await openBus({ requester: who });
    // The worker's own schedules, read from its workspace though no scheduler runs here.
    const schedules = new ScheduleRunner({ dataDir: dir, env: {} });
    startRunner(bus, { concurrency: 2, scheduledJob: schedules.scheduledJob });
  });
  afterAll(async () => {
    await bus.close();
    setWorkspaceIdentity(before);
    rmSync(dir, { recursive: true, force: true });
  });

  const ended = (id: string) => jobEnd(bus, id);

  /** A tick's job as a scheduler queues it: unsigned, asked by the schedule, naming it. */
  const tick = (
    schedule: string,
    file: string,
    requestedBy = scheduleRequester(schedule, 'jump1'),
  ): JobSpec =>
    ({
      kind: 'command',
      payload: { program: 'touch', args: [join(dir, file)] },
      requestedBy,
      schedule: { name: schedule, tick: Date.now() },
    }) as JobSpec;

  it('runs a tick that is the job its schedule makes in the worker’s schedules.yaml, and refuses any other', async () => {
    const good = await ended(await bus.queue.enqueue(tick('nightly', 'nightly')));
    expect(good, `the real tick: ${good.error}`).toMatchObject({ status: 'completed' });
    expect(existsSync(join(dir, 'nightly'))).toBe(true);

    const forged: Array<[JobSpec, string, RegExp]> = [
      [
        tick('weekly', 'weekly'),
        'weekly',
        /tick of schedule "weekly", which this worker's schedules.yaml does not/,
      ],
      [
        tick('nightly', 'other'),
        'other',
        /tick of schedule "nightly" whose job is not the one this worker's/,
      ],
      [tick('nightly', 'nightly-by-hand', who), 'nightly-by-hand', /must be asked by that schedule/],
    ];
    for (const [spec, file, why] of forged) {
      const job = await ended(await bus.queue.enqueue(spec));
      expect(job.status, file).toBe('failed');
      expect(job.error).toMatch(/^refused: request signature: /);
      expect(job.error).toMatch(why);
      expect(existsSync(join(dir, file)), file).toBe(false);
    }
  });

  it('follows an edit of schedules.yaml, though no scheduler runs in this process', async () => {
    const refused = await ended(await bus.queue.enqueue(tick('hourly', 'hourly-before')));
    expect(refused.error).toMatch(/tick of schedule "hourly", which this worker's schedules.yaml does not/);
    writeFileSync(
      join(dir, 'schedules.yaml'),
      [
        'schedules:',
        '  - name: hourly',
        '    cron: "0 * * * *"',
        '    job:',
        `      run: [touch, ${join(dir, 'hourly')}]`,
      ].join('\n'),
    );
    const taken = await ended(await bus.queue.enqueue(tick('hourly', 'hourly')));
    expect(taken, `after the edit: ${taken.error}`).toMatchObject({ status: 'completed' });
    expect(existsSync(join(dir, 'hourly'))).toBe(true);
  });
});
