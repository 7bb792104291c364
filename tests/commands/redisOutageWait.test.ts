import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { watchRedisOutage } from '../../src/commands/redisOutage';
import { runHeadless } from '../../src/headless';
import { BusStateCell } from '../../src/services/bus/busState';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, settledWithin, waitFor } from '../bus/contractSuite';
import { startRedis, stopRedis } from '../bus/ownRedis';
import { freePort, skipRedis } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a command waiting while Redis is away', () => {
  it('says once that Redis is unreachable, then that it is back, and gives up after its time', async () => {
    const state = new BusStateCell('connected');
    const stderr = new Capture();
    const bus = { transport: 'redis' as const, target: 'redis://127.0.0.1:6379', state };
    const watch = watchRedisOutage(
      bus,
      { stderr },
      { command: 'run', waitingFor: 'job 42', later: 'infradeck jobs 42', giveUpMs: 60_000 },
    );
    expect(stderr.text).toBe('');
    state.set('reconnecting', 'lost the connection to redis://127.0.0.1:6379');
    state.set('reconnecting', 'redis://127.0.0.1:6379 refused the connection (is Redis running?)');
    state.set('down', 'redis://127.0.0.1:6379 refused the connection (is Redis running?)');
    expect(watch.offline).toBe(true);
    state.set('connected');
    expect(watch.offline).toBe(false);
    expect(stderr.text).toBe(
      'infradeck run: Redis is unreachable (lost the connection to redis://127.0.0.1:6379); still waiting for ' +
        'job 42 (gives up after 60 s)\n' +
        'infradeck run: Redis is back\n',
    );
    watch.stop();

    const short = watchRedisOutage(
      bus,
      { stderr },
      { command: 'batch', waitingFor: 'run 7', later: 'infradeck batch status 7', giveUpMs: 30 },
    );
    state.set('down', 'redis://127.0.0.1:6379 refused the connection (is Redis running?)');
    expect(await short.gaveUp).toBe(
      'stopped waiting for run 7: Redis has been unreachable for 0 s (redis://127.0.0.1:6379 refused the ' +
        'connection (is Redis running?)); it may still run: see `infradeck batch status 7` later',
    );
    short.stop();
  });

  it('says nothing without Redis (the jobs run in this process)', () => {
    const state = new BusStateCell('down', 'closed');
    const stderr = new Capture();
    const watch = watchRedisOutage(
      { transport: 'memory', target: 'memory', state },
      { stderr },
      { command: 'run', waitingFor: 'job 1', later: 'infradeck jobs 1' },
    );
    state.set('reconnecting');
    expect(stderr.text).toBe('');
    expect(watch.offline).toBe(false);
    watch.stop();
  });
});

describe.skipIf(skipRedis)('--wait across a Redis restart', () => {
  let server: ChildProcess | undefined;
  let dir: string;
  let workerBus: Bus | undefined;

  afterEach(async () => {
    await workerBus?.close();
    workerBus = undefined;
    if (server) await stopRedis(server);
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A Redis of our own (with persistence) and a worker on it; `argv` run in this process, Redis stopped for a moment. */
  async function acrossRestart(argv: string[], started: (stderr: string) => boolean) {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-outage-'));
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'pipelines'), { recursive: true });
    writeFileSync(join(dataDir, 'servers.yaml'), 'servers:\n  - { name: web-1, host: 127.0.0.1 }\n');
    writeFileSync(
      join(dataDir, 'pipelines', 'build.yaml'),
      "steps:\n  - { name: slow, shell: true, run: 'sleep 3' }\n",
    );
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    server = await startRedis(port, join(dir), true);
    workerBus = await openBus({ redisUrl, prefix: 'out', requester: alice, downAfterMs: 300 });
    expect(await workerBus.state.whenConnected(5000)).toBe(true);
    workerBus.consume(jobHandlersFor({}), { heartbeatMs: 200 });

    const stdout = new Capture();
    const stderr = new Capture();
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
      USER: 'alice',
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      INFRADECK_REDIS_PREFIX: 'out',
    };
    const running = runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
    await waitFor('the job to start', () => started(stderr.text), 15_000);
    await sleep(300);
    await stopRedis(server);
    await waitFor(
      'the caller to say Redis is away',
      () => stderr.text.includes('Redis is unreachable'),
      10_000,
    );
    await sleep(2_500); // more than one poll of every waiter
    server = await startRedis(port, dir, true);
    const code = await settledWithin('the caller to end', running, 30_000);
    return { code, stdout: stdout.text, stderr: stderr.text, redisUrl };
  }

  it('infradeck run --wait says Redis is unreachable, once, and that it is back, then ends with its job', async () => {
    const r = await acrossRestart(['run', '--wait', '--', 'sleep', '3'], (e) => /job \d+ queued/.test(e));
    expect(r.code, r.stderr).toBe(0);
    const id = /job (\d+) queued/.exec(r.stderr)?.[1];
    const away = r.stderr.split('\n').filter((l) => l.includes('Redis is unreachable'));
    expect(away).toEqual([
      expect.stringMatching(
        new RegExp(
          `^infradeck run: Redis is unreachable \\(.+\\); still waiting for job ${id} \\(gives up after 60 s\\)$`,
        ),
      ),
    ]);
    expect(r.stderr).toContain('infradeck run: Redis is back\n');
    expect(r.stderr).toMatch(/job \d+ completed/);
  }, 60_000);

  it('infradeck pipeline run --wait goes on waiting while Redis is away (the run did not disappear)', async () => {
    const r = await acrossRestart(['pipeline', 'run', 'build', '--wait'], (e) =>
      /run \S+ of build started/.test(e),
    );
    expect(r.stderr).not.toContain('disappeared');
    const id = /run (\S+) of build started/.exec(r.stderr)?.[1];
    expect(r.stderr).toContain(
      `; still waiting for run ${id} (gives up after 60 s)\ninfradeck pipeline: Redis is back\n`,
    );
    expect(r.stdout).toMatch(/slow passed/);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('infradeck batch run --yes says so too while it follows its run', async () => {
    const r = await acrossRestart(
      ['batch', 'run', '--targets', 'web-1', '--local', '--yes', '--', 'sleep', '3'],
      (e) => /run \S+ started/.test(e),
    );
    const id = /run (\S+) started/.exec(r.stderr)?.[1];
    expect(r.stderr).toMatch(
      new RegExp(
        `infradeck batch: Redis is unreachable \\(.+\\); still waiting for run ${id} \\(gives up after 60 s\\)\n` +
          'infradeck batch: Redis is back\n',
      ),
    );
    expect(r.stdout).toMatch(/^web-1 ok exit 0/m);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
});
