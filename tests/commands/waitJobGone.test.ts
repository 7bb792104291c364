import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { settledWithin, waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import { commandEnv } from '../harness/headless';

/**
 * A command that waits for its job while Redis loses it (restarted empty, FLUSHALL): no worker takes the job, so
 * only its disappearance can end the wait. Each waited on forever before.
 */
describe.skipIf(skipRedis)('a waiting command whose job Redis no longer has', () => {
  let dir: string;
  let dataDir: string;
  let prefix: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-wait-gone-'));
    dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'ai', 'experiments'), { recursive: true });
    writeFileSync(
      join(dataDir, 'ai', 'experiments', 'sweep.yaml'),
      'command: [sh, -c, "echo step=1 acc=0.5"]\nmetric: { name: acc, goal: max }\n',
    );
    writeFileSync(join(dataDir, 'servers.yaml'), 'servers:\n  - { name: web-1, host: 127.0.0.1 }\n');
    prefix = `hc-${uniquePrefix('wait-gone')}`;
  });
  afterEach(async () => {
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** `argv` with REDIS_URL and no worker; once `started` shows on stderr, every key of the prefix is deleted. */
  async function keysDeletedWhileWaiting(argv: string[], started: RegExp) {
    const stdout = new Capture();
    const stderr = new Capture();
    const env = commandEnv(dir, { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix });
    const running = runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
    await waitFor('the command to queue its job', () => started.test(stderr.text), 15_000);
    const id = started.exec(stderr.text)?.[1];
    await deletePrefix(prefix);
    const code = await settledWithin('the command to end', running, 20_000);
    return { code, id, stdout: stdout.text, stderr: stderr.text };
  }

  it('infradeck ai run --wait says its run is gone: exit 1', async () => {
    const r = await keysDeletedWhileWaiting(['ai', 'run', 'sweep', '--wait'], /run (\S+) of sweep started/);
    expect(r.stderr).toContain(
      `infradeck ai: run ${r.id} is gone: Redis no longer has it (restarted without persistence?). ` +
        'Its worker may have run it, but its outcome is lost\n',
    );
    expect(r.code, r.stderr).toBe(1);
  }, 40_000);

  it('infradeck batch run --yes says its run is gone: exit 1', async () => {
    const r = await keysDeletedWhileWaiting(
      ['batch', 'run', '--targets', 'web-1', '--local', '--yes', '--', 'true'],
      /run (\S+) started/,
    );
    expect(r.stderr).toContain(`infradeck batch: run ${r.id} is gone: Redis no longer has it`);
    expect(r.code, r.stderr).toBe(1);
  }, 40_000);

  it('infradeck scan (a command that waits for its cloud job) says its job is gone: exit 1', async () => {
    const r = await keysDeletedWhileWaiting(['scan', '--demo'], /job (\S+) queued/);
    expect(r.stderr).toContain(`job ${r.id} is gone: Redis no longer has it`);
    expect(r.code, r.stderr).toBe(1);
  }, 40_000);
});
