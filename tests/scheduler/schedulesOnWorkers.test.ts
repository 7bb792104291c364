import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { isSkippedTick } from '../../src/domain/schedule';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import { loadSchedules } from '../../src/services/scheduler/schedulesFile';
import { record, waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath } from '../harness/cliProcess';
import {
  killWorkerProcesses,
  quickWorkerArgs,
  startWorkerProcess,
  type WorkerProcess,
} from '../worker/workerProcess';

/**
 * Two real `infradeck worker` processes (the built CLI) on one Redis, both registering the same workspace's
 * schedules: a schedule every second for ten seconds, one worker SIGKILLed in the middle of a run.
 */
describe.skipIf(skipRedis)('schedules on two infradeck worker processes', () => {
  const processes: WorkerProcess[] = [];
  let bus: Bus | undefined;
  let prefix: string;
  let dir: string;

  afterEach(async () => {
    await killWorkerProcesses(processes);
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every second for ten seconds: ten runs (±1), no tick twice, none lost when a worker is killed mid-run', async () => {
    prefix = uniquePrefix('sched-workers');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-sched-workers-'));
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const runsFile = join(dir, 'runs.txt');
    writeFileSync(runsFile, '');
    writeFileSync(
      join(dataDir, 'schedules.yaml'),
      [
        '# every second; a run takes 0.4 s and writes one line when it ends',
        'schedules:',
        '  - name: every-second',
        '    cron: "* * * * * *"',
        '    overlap: queue',
        '    job:',
        `      run: [sh, -c, 'sleep 0.4; echo done >> "$0"', ${JSON.stringify(runsFile)}]`,
        '',
      ].join('\n'),
    );
    const env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'worker-user', TZ: 'UTC' };
    const worker = () => {
      const p = startWorkerProcess(cliPath, quickWorkerArgs(dataDir), env);
      processes.push(p);
      return p;
    };
    bus = await openBus({ redisUrl, prefix });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const a = worker();
    const b = worker();
    // The first worker to read the file registers the schedule; the second finds it registered, unchanged.
    await waitFor(
      'the schedule registered',
      () => [a, b].some((p) => /schedules: 1 enabled/.test(p.output())),
      20_000,
    );
    const registeredAt = Date.now();
    for (const p of [a, b])
      await waitFor(
        `worker ${p.child.pid} read the schedules`,
        () => /schedules: 1 enabled/.test(p.output()),
        20_000,
      );

    // Five seconds in, the worker that starts the next run is killed while its program sleeps.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const seen = new Map([a, b].map((p) => [p, p.output().length]));
    const victim = await waitFor('a run to start on either worker', () =>
      [a, b].find((p) =>
        / job repeat:schedule:every-second:\d+ command started/.test(p.output().slice(seen.get(p))),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const survivor = victim === a ? b : a;

    // Ten seconds after it was registered, the schedule is disabled in the file and, at once, on Redis.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, registeredAt + 10_000 - Date.now())));
    const scheduler = new RedisScheduler({ redisUrl, prefix });
    const file = join(dataDir, 'schedules.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}    enabled: false\n`);
    // (The surviving worker, which watches the file, may take it off first: either way it is off now.)
    await scheduler.sync(await loadSchedules(dataDir, env));
    expect([...(await scheduler.registered()).keys()]).toEqual([]);
    const disabledAt = Date.now();

    const jobs = await waitFor(
      'every run of the schedule to end',
      async () => {
        const list = (await bus!.queue.list({ limit: 1000 })).filter(
          (v) => v.schedule?.name === 'every-second',
        );
        return list.length > 0 && list.every((v) => v.status === 'completed' || v.status === 'failed')
          ? list
          : undefined;
      },
      30_000,
    );
    const ticks = jobs.map((v) => v.schedule!.tick).sort((x, y) => x - y);
    // Ten seconds of ticks, one job each: nothing twice, nothing lost in between.
    expect(new Set(ticks).size).toBe(ticks.length);
    // One tick per whole second from registration to removal: ten, give or take one at the edges.
    const seconds = Math.floor(disabledAt / 1000) - Math.floor(registeredAt / 1000);
    expect(seconds).toBeGreaterThanOrEqual(10);
    expect(Math.abs(ticks.length - seconds)).toBeLessThanOrEqual(1);
    expect(ticks.length).toBeGreaterThanOrEqual(9);
    expect(ticks.length).toBeLessThanOrEqual(12);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBe(1000);
    expect(ticks[0]).toBeGreaterThanOrEqual(registeredAt - 1000);
    expect(ticks.at(-1)!).toBeLessThanOrEqual(disabledAt);
    for (const job of jobs) {
      expect(job.status, `${job.id}: ${job.error}`).toBe('completed');
      expect(isSkippedTick(job.result), job.id).toBe(false);
      expect(job.id).toBe(`repeat:schedule:every-second:${job.schedule!.tick}`);
      expect(job.requestedBy.user).toBe('schedule:every-second');
    }
    // Every run's program finished exactly once: the killed run's program died with its worker and ran again.
    expect(readFileSync(runsFile, 'utf8').trim().split('\n')).toHaveLength(jobs.length);
    // The killed run was taken over by the survivor: one job, started twice, completed once.
    const stalled = rec.events.filter(
      (e) => e.type === 'job.stalled' && e.jobId?.startsWith('repeat:schedule:'),
    );
    expect(stalled.length).toBeGreaterThanOrEqual(1);
    const takenOver = jobs.find((v) => v.id === stalled[0].jobId) as JobView;
    expect(takenOver.status).toBe('completed');
    const survivorId = `${(await bus.workers()).find((w) => w.pid === survivor.child.pid)?.id}`;
    expect(takenOver.worker).toBe(survivorId);
    const completions = rec.events.filter((e) => e.type === 'job.completed' && e.jobId === takenOver.id);
    expect(completions).toHaveLength(1);
    // The audit trail says who asked: the schedule, once per tick.
    const enqueued = (await bus.audit.list()).filter(
      (e) => e.action === 'job.enqueue' && e.who.user === 'schedule:every-second',
    );
    expect(enqueued.map((e) => e.jobId).sort()).toEqual(jobs.map((v) => v.id).sort());
    // `schedules --json` shows the last run.
    const listed = await cli(['--data', dataDir, 'schedules', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const schedule = JSON.parse(listed.stdout).schedules[0];
    expect(schedule).toMatchObject({
      name: 'every-second',
      enabled: false,
      last: { outcome: 'completed', manual: false },
    });
    expect(schedule.last.tick).toBe(ticks.at(-1));
    // `schedule enable` from the command line registers it on Redis at once; `disable` takes it off again.
    expect((await cli(['--data', dataDir, 'schedule', 'enable', 'every-second'], env)).code).toBe(0);
    expect([...(await scheduler.registered()).keys()]).toEqual(['every-second']);
    expect((await cli(['--data', dataDir, 'schedule', 'disable', 'every-second'], env)).code).toBe(0);
    expect([...(await scheduler.registered()).keys()]).toEqual([]);
    await scheduler.close();
    rec.stop();
  }, 90_000);
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
