import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisRunMetrics } from '../../src/services/ai/redisRunMetrics';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { experimentRunHandler } from '../../src/worker/handlers/experimentRun';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { commandEnv, runCommand } from '../harness/headless';

interface RunJson {
  run: string;
  experiment: string;
  status: string;
  params: Record<string, string>;
  metric: { name: string; goal: string; best: number; last: number; step: number } | null;
  points: number;
  checkpoints: number;
  durationMs: number | null;
}

describe('infradeck ai (no Redis: runs in the command’s process)', () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-ai-cli-'));
    dataDir = join(dir, 'data');
    // The example workspace's experiment and script, as shipped.
    cpSync(resolve('data/ai'), join(dataDir, 'ai'), { recursive: true });
    env = commandEnv(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);

  it('lists the experiments; a file with errors is reported with its position (exit 2)', async () => {
    const listed = await infradeck('ai', 'experiments', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).experiments).toEqual([
      expect.objectContaining({
        name: 'tiny-regression',
        runs: 2,
        grid: { lr: [0.1, 0.01] },
        metric: { name: 'val_loss', goal: 'min' },
        where: { type: 'worker' },
      }),
    ]);
    writeFileSync(join(dataDir, 'ai', 'experiments', 'broken.yaml'), 'command: [a]\nparms: {}\n');
    const broken = await infradeck('ai', 'experiments');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.yaml:2:1: parms: unknown key "parms" (did you mean "params"?');
    expect(broken.stdout).toMatch(/tiny-regression\s+2\s+worker\s+val_loss \(min\)/);
  });

  it('runs the example grid to its end, lists the runs with their best value, and prints their metrics', async () => {
    const ran = await infradeck('ai', 'run', 'tiny-regression', '--param', 'steps=60', '--json');
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const runs = JSON.parse(ran.stdout).runs as RunJson[];
    expect(runs.map((r) => [r.status, r.params])).toEqual([
      ['completed', { steps: '60', seed: '7', lr: '0.1' }],
      ['completed', { steps: '60', seed: '7', lr: '0.01' }],
    ]);
    // lr 0.1 learns; lr 0.01 barely moves in 60 steps.
    expect(runs[0]!.metric).toMatchObject({ name: 'val_loss', goal: 'min', step: 50 });
    expect(runs[0]!.metric!.best).toBeLessThan(runs[1]!.metric!.best);
    expect(runs[0]!.checkpoints).toBe(1);

    const listed = await infradeck('ai', 'runs', '--json');
    const rows = JSON.parse(listed.stdout).runs as RunJson[];
    expect(rows.map((r) => r.run).sort()).toEqual(runs.map((r) => r.run).sort());
    for (const r of rows) {
      expect(r.durationMs).toEqual(expect.any(Number));
      // 7 loss, w and b lines (step 1 and every 10) and one val_loss line.
      expect(r.points).toBe(7 * 3 + 1);
    }
    // Read three hours on, each run's AGE says so (it once divided milliseconds by 1,000 and read `10s`).
    const realNow = Date.now;
    const later = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3 * 3_600_000);
    const table = await infradeck('ai', 'runs').finally(() => later.mockRestore());
    expect(table.stdout).toMatch(/RUN\s+EXPERIMENT\s+STATUS\s+PARAMS\s+BEST/);
    expect(table.stdout).toContain('val_loss ');
    const runLines = table.stdout.split('\n').filter((l) => runs.some((r) => l.startsWith(`${r.run} `)));
    expect(runLines).toHaveLength(runs.length);
    for (const l of runLines) expect(l).toMatch(/\s3h$/);

    const id = runs[0]!.run;
    const metrics = await infradeck('ai', 'metrics', id, '--json');
    expect(metrics.code).toBe(0);
    const parsed = JSON.parse(metrics.stdout);
    expect(parsed.metrics.map((m: { name: string }) => m.name)).toEqual(['loss', 'w', 'b', 'val_loss']);
    expect(parsed.metrics[0].points[0]).toEqual({
      step: 1,
      value: expect.any(Number),
      time: expect.any(Number),
    });
    expect(parsed.checkpoints[0].uri).toMatch(
      new RegExp(`^file://.*/\\.cache/ai/checkpoints/${id}/step-60\\.json$`),
    );
    const one = JSON.parse((await infradeck('ai', 'metrics', id, '--name', 'val_loss', '--json')).stdout);
    expect(one.metrics).toEqual([
      { name: 'val_loss', points: [{ step: 50, value: runs[0]!.metric!.best, time: expect.any(Number) }] },
    ]);
    const text = await infradeck('ai', 'metrics', id);
    expect(text.stdout).toMatch(/METRIC\s+POINTS\s+FIRST\s+LAST\s+MIN\s+MAX\s+LAST STEP\nloss\s+7\s/);
    expect(text.stdout).toContain(`checkpoint file://`);
  });

  it('refuses what it cannot do, before anything starts', async () => {
    const unknown = await infradeck('ai', 'run', 'tiny-regresion');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no experiment "tiny-regresion" (did you mean "tiny-regression"?');
    const param = await infradeck('ai', 'run', 'tiny-regression', '--param', 'stepz=3');
    expect(param.code).toBe(2);
    expect(param.stderr).toContain('has no param "stepz" (did you mean "steps"?');
    const typed = await infradeck('ai', 'run', 'tiny-regression', '--param', 'steps=abc');
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain(
      '--param steps=abc: experiment tiny-regression gives "steps" as a number (200 in its file); "abc" is not one',
    );
    const usage = await infradeck('ai', 'metrics');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('metrics of which run?');
    const noRun = await infradeck('ai', 'metrics', '4242');
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain('no run 4242');
    const readOnly = await infradeck('--readonly', 'ai', 'run', 'tiny-regression');
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/read-only/);
  });

  it('exits 1 when a run fails, its metrics kept; --name of a metric it lacks is refused with a hint', async () => {
    mkdirSync(join(dataDir, 'ai', 'experiments'), { recursive: true });
    writeFileSync(
      join(dataDir, 'ai', 'experiments', 'crash.yaml'),
      'command: [sh, -c, "echo step=1 loss=2; echo boom >&2; exit 5"]\n',
    );
    const ran = await infradeck('ai', 'run', 'crash');
    expect(ran.code).toBe(1);
    const line = ran.stdout.trim();
    expect(line).toMatch(/^run \S+ crash failed in (\d+ms|\d+\.\ds), 1 points — crash: exit 5$/);
    const id = line.split(' ')[1]!;
    const bad = await infradeck('ai', 'metrics', id, '--name', 'los');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no metric "los" (did you mean "loss"?');
  });
});

describe.skipIf(skipRedis)(
  'infradeck ai with REDIS_URL: a worker elsewhere writes, the CLI reads Redis',
  () => {
    let dir: string;
    let prefix: string;
    let worker: Bus | undefined;

    afterEach(async () => {
      await worker?.close();
      await deletePrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    });

    it('runs on the worker; runs and metrics come from Redis', async () => {
      dir = await mkdtemp(join(tmpdir(), 'infradeck-ai-cli-redis-'));
      prefix = uniquePrefix('ai-cli');
      const dataDir = join(dir, 'data');
      mkdirSync(join(dataDir, 'ai', 'experiments'), { recursive: true });
      writeFileSync(
        join(dataDir, 'ai', 'experiments', 'sweep.yaml'),
        [
          'command: [sh, -c, "echo step=1 acc={a}; echo step=2 acc=0.5"]',
          'grid: { a: [0.1, 0.9] }',
          'metric: { name: acc, goal: max }',
        ].join('\n'),
      );
      // The worker shares nothing with the CLI but Redis: its own folder, its store from its own settings.
      worker = await openBus({ redisUrl, prefix });
      worker.consume({
        experimentRun: experimentRunHandler({
          metrics: async () => new RedisRunMetrics({ redisUrl, prefix }),
        }),
      });
      const env = {
        HOME: dir,
        USER: 'ada',
        PATH: process.env.PATH,
        REDIS_URL: redisUrl,
        INFRADECK_REDIS_PREFIX: prefix,
      };
      const infradeck = (...argv: string[]) => runCommand(dataDir, env, argv);
      const ran = await infradeck('ai', 'run', 'sweep', '--wait', '--json');
      expect(ran.code).toBe(0);
      const runs = JSON.parse(ran.stdout).runs as RunJson[];
      expect(runs.map((r) => r.metric?.best)).toEqual([0.5, 0.9]);
      const metrics = JSON.parse((await infradeck('ai', 'metrics', runs[1]!.run, '--json')).stdout);
      expect(metrics.metrics).toEqual([
        {
          name: 'acc',
          points: [
            { step: 1, value: 0.9, time: expect.any(Number) },
            { step: 2, value: 0.5, time: expect.any(Number) },
          ],
        },
      ]);
      const listed = JSON.parse((await infradeck('ai', 'runs', '--json')).stdout).runs as RunJson[];
      expect(listed.map((r) => r.run).sort()).toEqual(runs.map((r) => r.run).sort());
    });
  },
);
