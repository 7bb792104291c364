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
  dir = mkdtempSync(join(tmpdir(), 'infradeck-run-interrupt-'));
  // In-process jobs (no REDIS_URL); the developer's own config and data kept out.
  env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), USER: 'ada' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe('infradeck run --wait and Ctrl-C', () => {
  it('one Ctrl-C cancels the job and waits for it to end cancelled: exit 4', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const ended = runHeadless(parseCli(['--data', dir, 'run', '--wait', '--', 'sleep', '30']), env, {
      stdout,
      stderr,
    });
    await until(() => stderr.text.includes('queued: sleep 30'));
    await new Promise((r) => setTimeout(r, 100)); // the program has started
    process.emit('SIGINT');
    const code = await ended;
    expect(stderr.text).toContain('(Ctrl-C again to stop waiting)');
    expect(stderr.text).not.toContain('leaving job');
    expect(stderr.text).toMatch(/job \d+ cancelled/);
    expect(code).toBe(4);
  });

  it('a second Ctrl-C stops waiting and leaves the job to the workers', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    // A program that ignores SIGTERM, so the cancel takes its grace period and a second press comes first.
    const ended = runHeadless(
      parseCli(['--data', dir, 'run', '--wait', '--shell', '--', 'trap "" TERM; sleep 30']),
      env,
      { stdout, stderr },
    );
    await until(() => stderr.text.includes('queued:'));
    await new Promise((r) => setTimeout(r, 100));
    process.emit('SIGINT');
    await until(() => stderr.text.includes('Ctrl-C again'));
    await new Promise((r) => setTimeout(r, 50));
    process.emit('SIGINT');
    const code = await ended;
    expect(stderr.text).toContain('leaving job');
    // Not ended yet: neither "failed" nor an "unknown error".
    expect(stderr.text).toMatch(
      /job \d+ is still active, its cancel asked for: `infradeck jobs \d+` tells how it ends/,
    );
    expect(stderr.text).not.toContain('unknown error');
    expect(code).toBe(4);
  });
});
