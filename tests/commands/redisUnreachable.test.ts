import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { Capture } from '../harness/capture';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-redis-down-'));
  // Port 1: nothing listens there, the connection is refused at once.
  env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    USER: 'ada',
    REDIS_URL: 'redis://127.0.0.1:1',
    INFRADECK_CONNECT_TIMEOUT_MS: '500',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function infradeck(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runHeadless(parseCli(['--data', dir, ...argv]), env, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('Redis unreachable', () => {
  it('infradeck timeline says which Redis and why, as the other commands do: exit 3', async () => {
    const jobs = await infradeck('jobs');
    expect(jobs.code).toBe(3);
    expect(jobs.stderr).toContain('redis://127.0.0.1:1 refused the connection (is Redis running?)');
    const r = await infradeck('timeline');
    expect(r.stderr).toBe(
      'infradeck timeline: Redis is unreachable: redis://127.0.0.1:1 refused the connection (is Redis running?)\n',
    );
    expect(r.code).toBe(3);
  });
});
