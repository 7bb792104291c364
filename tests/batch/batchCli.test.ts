import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { batchHandler } from '../../src/worker/handlers/batch';
import { batchTargetHandler } from '../../src/worker/handlers/batchTarget';
import { waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import { skipSshd, startSshd, type TestSshd } from '../harness/sshd';

const addresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

interface Row {
  target: string;
  wave: number;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
}

describe.skipIf(skipSshd)('infradeck batch (a real sshd on 127.0.0.1-3)', () => {
  let sshd: TestSshd;
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sshd = await startSshd({ extraAddresses: addresses.slice(1) });
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-batch-cli-'));
    dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'batches'), { recursive: true });
    writeFileSync(
      join(dataDir, 'servers.yaml'),
      [
        'servers:',
        ...addresses.flatMap((host, i) => [
          `  - name: web-${i + 1}`,
          `    host: ${host}`,
          `    port: ${sshd.port}`,
          `    user: ${sshd.user}`,
          `    identityFile: ${sshd.identityFile}`,
          '    tags: { role: web }',
        ]),
        '',
      ].join('\n'),
    );
    // No Redis, no developer config or ssh config: the in-process transport on this workspace.
    env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
      USER: 'ada',
      PATH: process.env.PATH,
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function infradeck(...argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  /** Where the remote command runs, and a failure (exit 3) on the addresses listed in `fail`. */
  const script = () =>
    `at=$(echo "$SSH_CONNECTION" | cut -d" " -f3); echo "start $at" >> ${dir}/runs.txt; echo "hello from $at"; ` +
    `if [ -e ${dir}/fail ] && grep -qx "$at" ${dir}/fail; then echo "disk full on $at" >&2; exit 3; fi`;
  const ran = () => (existsSync(join(dir, 'runs.txt')) ? readFileSync(join(dir, 'runs.txt'), 'utf8') : '');
  /** Job records of the workspace (no Redis: finished jobs are kept in data/jobs). */
  const jobRecords = () =>
    existsSync(join(dataDir, 'jobs'))
      ? readdirSync(join(dataDir, 'jobs')).filter((f) => f.endsWith('.json'))
      : [];

  it('without --yes shows the targets and the waves and starts nothing', async () => {
    const r = await infradeck(
      'batch',
      'run',
      '--tag',
      'role=web',
      '--serial',
      '1,2',
      '--',
      'sh',
      '-c',
      script(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(1, 6)).toEqual([
      '3 targets in 2 waves (serial 1, 2); any failure stops the batch; no pause; timeout 10m per target',
      `  web-1  ${sshd.user}@127.0.0.1:${sshd.port}  servers.yaml`,
      `  web-2  ${sshd.user}@127.0.0.2:${sshd.port}  servers.yaml`,
      `  web-3  ${sshd.user}@127.0.0.3:${sshd.port}  servers.yaml`,
      'wave 1: web-1 (1)',
    ]);
    expect(r.stdout).toContain('wave 2: web-2, web-3 (2)');
    expect(r.stderr).toContain('nothing started: run it again with --yes to start it');
    expect(ran()).toBe('');
    expect(jobRecords()).toEqual([]);
  });

  it('runs in waves, a line per target as it ends; --json rows per target; exit 1 when the batch failed; retry runs the failed one', async () => {
    writeFileSync(join(dir, 'fail'), '127.0.0.2\n');
    const text = await infradeck(
      'batch',
      'run',
      '--targets',
      'web-1,web-2,web-3',
      '--serial',
      '1',
      '--yes',
      '--',
      'sh',
      '-c',
      script(),
    );
    expect(text.code, text.stderr).toBe(1);
    expect(
      text.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/ (\d+ms|\d+\.\ds)$/, '')),
    ).toEqual(['web-1 ok exit 0', 'web-2 failed exit 3: disk full on 127.0.0.2', 'web-3 skipped']);
    // The wave and the skipped count are said once, not again in the reason for the stop.
    expect(text.stderr).toMatch(
      /^batch \d+ \(ad-hoc\) failed, wave 2\/3: 1 ok, 1 failed, 1 skipped: 1 of 1 target failed \(any failure stops\)$/m,
    );
    expect(ran()).toBe('start 127.0.0.1\nstart 127.0.0.2\n');
    const id = /run (\d+) started/.exec(text.stderr)?.[1];
    expect(id).toBeDefined();

    const status = await infradeck('batch', 'status', id!, '--json');
    expect(status.code).toBe(1);
    // The run is named `run`, as `pipeline status RUN --json` names its run.
    expect(JSON.parse(status.stdout)).toMatchObject({ run: id, name: 'ad-hoc', status: 'failed' });
    const rows = JSON.parse(status.stdout).targets as Row[];
    expect(rows.map((r) => [r.target, r.wave, r.status, r.exitCode])).toEqual([
      ['web-1', 1, 'ok', 0],
      ['web-2', 2, 'failed', 3],
      ['web-3', 3, 'skipped', null],
    ]);
    expect(rows.map((r) => typeof r.durationMs)).toEqual(['number', 'number', 'object']);
    const table = await infradeck('batch', 'status', id!);
    expect(table.stdout).toMatch(
      /web-2\s+2\s+failed\s+3\s+(\d+ms|\d+\.\ds)\s+\S+\s+disk full on 127\.0\.0\.2/,
    );
    expect(table.stdout).toMatch(/web-1\s+1\s+ok\s+0\s+(\d+ms|\d+\.\ds)\s+\S+\s+hello from 127\.0\.0\.1/);

    writeFileSync(join(dir, 'fail'), '');
    const retry = await infradeck('batch', 'retry', id!, '--json');
    expect(retry.code, retry.stderr).toBe(0);
    const again = JSON.parse(retry.stdout);
    expect(again).toMatchObject({ status: 'completed', retryOf: id });
    expect((again.targets as Row[]).map((r) => [r.target, r.wave, r.status, r.exitCode])).toEqual([
      ['web-2', 1, 'ok', 0],
    ]);
    expect(ran()).toBe('start 127.0.0.1\nstart 127.0.0.2\nstart 127.0.0.2\n');

    // The latest runs: an object, as every other command's --json is, newest first.
    const latest = await infradeck('batch', 'status', '--json');
    expect(latest.code, latest.stderr).toBe(0);
    const { runs } = JSON.parse(latest.stdout) as { runs: Array<{ run: string; status: string }> };
    expect(runs.map((r) => [r.run, r.status])).toEqual([
      [again.run, 'completed'],
      [id, 'failed'],
    ]);
  });

  it('a batch file by name: --json at the end, exit 0 when it completed; --local runs on the worker with INFRADECK_TARGET', async () => {
    writeFileSync(
      join(dataDir, 'batches', 'versions.yaml'),
      [
        'targets:',
        '  servers: [web-3, web-1]',
        'action:',
        '  local: [sh, -c, \'echo "$INFRADECK_TARGET at $INFRADECK_TARGET_HOST" >> "$0"\', ' +
          `${JSON.stringify(join(dir, 'local.txt'))}]`,
        'serial: 50%',
        '',
      ].join('\n'),
    );
    const r = await infradeck('batch', 'run', 'versions', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'versions', status: 'completed', wave: 2, waves: 2 });
    expect((out.targets as Row[]).map((t) => [t.target, t.wave, t.status, t.exitCode])).toEqual([
      ['web-3', 1, 'ok', 0],
      ['web-1', 2, 'ok', 0],
    ]);
    expect(readFileSync(join(dir, 'local.txt'), 'utf8')).toBe('web-3 at 127.0.0.3\nweb-1 at 127.0.0.1\n');
  });

  it('bad input says where and what, exits 2 and starts nothing', async () => {
    const file = join(dataDir, 'batches', 'broken.yaml');
    writeFileSync(file, 'targets:\n  servers: [web-1, web-9]\naction:\n  ssh: [uptime]\nserial: 150%\n');
    const broken = await infradeck('batch', 'run', 'broken', '--yes');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`${file}:5:9: serial: .*100%`));
    writeFileSync(file, 'targets:\n  servers: [web-1, web-9]\naction:\n  ssh: [uptime]\n');
    const unknown = await infradeck('batch', 'run', file, '--yes');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      new RegExp(
        `${file}:2:20: targets\\.servers\\[1\\]: no server "web-9" in servers\\.yaml \\(did you mean web-1\\?\\)`,
      ),
    );
    writeFileSync(file, 'targets: [\naction: {ssh: [uptime]}\n');
    const syntax = await infradeck('batch', 'run', file, '--yes');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: `));
    for (const [flags, message] of [
      [['--targets', 'web-1', '--serial', '0'], /--serial: /],
      [['--targets', 'web-1', '--max-fail=-5'], /--max-fail: /],
      [['--targets', ','], /--targets, --project or --tag: no targets given|--targets: /],
      [['--tag', 'role=db'], /--tag: /],
      [['--targets', 'web-1,nope'], /--targets: .*nope/],
    ] as const) {
      const r = await infradeck('batch', 'run', ...flags, '--yes', '--', 'uptime');
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('nothing started');
    }
    expect(jobRecords()).toEqual([]);
    expect((await infradeck('batch', 'frobnicate')).code).toBe(2);
  });

  it('exits 3 when the bus is unavailable, and starts nothing', async () => {
    env.REDIS_URL = 'redis://127.0.0.1:1';
    env.INFRADECK_CONNECT_TIMEOUT_MS = '300';
    const r = await infradeck('batch', 'run', '--targets', 'web-1', '--yes', '--', 'uptime');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/infradeck batch: Redis is unreachable/);
    expect((await infradeck('batch', 'status', '12')).code).toBe(3);
    expect((await infradeck('batch', 'advance', '12')).code).toBe(3);
    expect(ran()).toBe('');
  });

  describe.skipIf(skipRedis)('over Redis, with a worker', () => {
    let prefix: string;
    let bus: Bus;

    beforeEach(async () => {
      prefix = uniquePrefix('batch-cli');
      env.REDIS_URL = redisUrl;
      env.INFRADECK_REDIS_PREFIX = prefix;
      bus = await openBus({ redisUrl, prefix });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume(
        { batch: batchHandler(), batchTarget: batchTargetHandler({ dataDir, killGraceMs: 500 }) },
        { concurrency: 4, heartbeatMs: 200 },
      );
    });
    afterEach(async () => {
      await bus?.close();
      await deletePrefix(prefix);
    });

    it('pause: manual waits in paused until `batch advance`; `advance` of a run that is not paused is refused', async () => {
      const running = infradeck(
        'batch',
        'run',
        '--targets',
        'web-1,web-2',
        '--serial',
        '1',
        '--pause',
        'manual',
        '--yes',
        '--',
        'sh',
        '-c',
        script(),
      );
      const [run] = await waitFor('the run', async () => {
        const list = await bus.queue.list({ kind: 'batch' });
        return list.length ? list : undefined;
      });
      await waitForStatus(bus, run.id, 'paused', 20_000);
      const status = await infradeck('batch', 'status', run.id);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/paused, wave 1\/2: 1 ok, 0 failed, 0 skipped, 1 pending/);
      expect(status.stdout).toContain(`paused: infradeck batch advance ${run.id}`);
      expect(ran()).toBe('start 127.0.0.1\n');
      const advanced = await infradeck('batch', 'advance', run.id);
      expect(advanced.code, advanced.stderr).toBe(0);
      const done = await running;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toContain(`to go on: infradeck batch advance ${run.id}`);
      expect(
        done.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.replace(/ (\d+ms|\d+\.\ds)$/, '')),
      ).toEqual(['web-1 ok exit 0', 'web-2 ok exit 0']);
      expect(ran()).toBe('start 127.0.0.1\nstart 127.0.0.2\n');
      const again = await infradeck('batch', 'advance', run.id);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('is completed, not paused between waves');
    });

    it('`batch cancel` cancels the run and its running targets; the followed run exits 4 with every target cancelled', async () => {
      const pid = (name: string) => join(dir, `pid-${name}`);
      const running = infradeck(
        'batch',
        'run',
        '--targets',
        'web-1,web-2,web-3',
        '--serial',
        '2',
        '--local',
        '--yes',
        '--json',
        '--',
        'sh',
        '-c',
        `echo $$ > ${dir}/pid-$INFRADECK_TARGET; exec sleep 30`,
      );
      await waitFor('wave 1 running', () => existsSync(pid('web-1')) && existsSync(pid('web-2')), 20_000);
      const [run] = await bus.queue.list({ kind: 'batch' });
      const cancelled = await infradeck('batch', 'cancel', run.id);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toContain(`run ${run.id} cancelled with its 2 running targets`);
      const done = await running;
      expect(done.code).toBe(4);
      const out = JSON.parse(done.stdout);
      expect(out.status).toBe('cancelled');
      expect((out.targets as Row[]).map((r) => [r.target, r.status])).toEqual([
        ['web-1', 'cancelled'],
        ['web-2', 'cancelled'],
        ['web-3', 'cancelled'],
      ]);
      expect(existsSync(pid('web-3'))).toBe(false);
      for (const name of ['web-1', 'web-2']) {
        const p = Number(readFileSync(pid(name), 'utf8'));
        await waitFor(`${name}'s sleep to end`, () => {
          try {
            process.kill(p, 0);
            return false;
          } catch {
            return true;
          }
        });
      }
    });
  });
});
