import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResourceIndex } from '../../src/domain/resource';
import { readAccountCache } from '../../src/services/cloud/scanCache';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath, runCli } from '../harness/cliProcess';

/** Environment of a process with no AWS credentials and no way to look for some on the network. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    INFRADECK_READONLY: '',
  };
}

describe('the cloud commands of the built CLI, without Redis', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-e2e-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('scan --demo then resources read the same workspace cache', async () => {
    const env = { ...isolatedEnv(dir), REDIS_URL: '' };
    const scan = await runCli(['--demo', 'scan', '--json', '--data', dir], { env });
    expect(scan.code).toBe(0);
    const body = JSON.parse(scan.stdout);
    expect(body.result.cloud).toBe('demo');
    expect(body.regions).toHaveLength(7);

    const res = await runCli(['resources', '--demo', '--type', 's3', '--data', dir], { env });
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')[0]).toMatch(/^TYPE\s+ID/);
    expect(res.stdout).toMatch(/^bucket\s+/m);
    expect(res.stderr).toContain('showing the DEMO cloud, not AWS (--demo)');
  });
});

describe.skipIf(skipRedis)('cloud jobs run by a worker process on another "host"', () => {
  let prefix: string;
  let workerDir: string;
  let consoleDir: string;
  let worker: ChildProcess | undefined;
  let workerOutput = '';

  beforeEach(async () => {
    prefix = uniquePrefix('cloud');
    workerDir = await mkdtemp(join(tmpdir(), 'infradeck-worker-'));
    consoleDir = await mkdtemp(join(tmpdir(), 'infradeck-console-'));
  });

  afterEach(async () => {
    if (worker?.pid && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    worker = undefined;
    await deletePrefix(prefix);
    await rm(workerDir, { recursive: true, force: true });
    await rm(consoleDir, { recursive: true, force: true });
  });

  function env(home: string): NodeJS.ProcessEnv {
    return { ...isolatedEnv(home), REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
  }

  async function startWorker(flags: string[]): Promise<void> {
    workerOutput = '';
    worker = spawn(process.execPath, [cliPath, 'worker', '--demo', '--data', workerDir, ...flags], {
      env: { ...process.env, ...env(workerDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (d) => {
      workerOutput += d;
    });
    worker.stderr?.on('data', (d) => {
      workerOutput += d;
    });
    const deadline = Date.now() + 15_000;
    while (!/worker \S+ on redis/.test(workerOutput)) {
      if (Date.now() > deadline || worker.exitCode !== null)
        throw new Error(`worker did not start: ${workerOutput}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('the CLI prints every region from the events while the worker scans and caches on its own host', async () => {
    await startWorker([]);
    const scan = await runCli(['scan', '--data', consoleDir], { env: env(consoleDir) });
    expect(scan.code).toBe(0);
    expect(scan.stderr).toContain('a worker on redis://');
    expect(scan.stdout.trim().split('\n')).toHaveLength(7);
    expect(scan.stdout).toMatch(/^\s+7\/7\s+\S+\s+\d+ (resources|buckets)$/m);
    // The cache is the worker's: this console's folder has none.
    expect(readdirSync(join(workerDir, '.cache', '000000000000'))).toHaveLength(7);
    expect(existsSync(join(consoleDir, '.cache'))).toBe(false);
    expect(workerOutput).toMatch(/job \d+ scan started/);
  });

  it('a read-only worker refuses a delete the CLI asked for without --readonly', async () => {
    await startWorker(['--readonly']);
    expect(workerOutput).toContain('read-only (changes are refused)');
    await runCli(['scan', '--data', consoleDir], { env: env(consoleDir) });
    const cached = ResourceIndex.fromScans(
      (await readAccountCache(join(workerDir, '.cache'), '000000000000')).scans,
    );
    const keyPair = cached.query({ type: 'key-pair' })[0];

    const del = await runCli(['--demo', 'delete', keyPair.id, '--yes', '--data', consoleDir], {
      env: env(consoleDir),
    });
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(
      /refused: delete of 1 resource: read-only mode \(this worker runs read-only \(--readonly or INFRADECK_READONLY\)\); nothing was changed/,
    );
    const after = ResourceIndex.fromScans(
      (await readAccountCache(join(workerDir, '.cache'), '000000000000')).scans,
    );
    expect(after.get(keyPair.region, keyPair.id)).toBeDefined();
  });
});
