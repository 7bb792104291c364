import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchKnownHostsFile,
  type OutputStream,
  type RunnableTarget,
  runTarget,
  type TargetRunOptions,
} from '../../src/services/batch/targetRun';

const web1: RunnableTarget = { key: 'web-1', name: 'web-1', host: '10.0.0.5', port: 2222, user: 'ops' };

describe('running a batch target locally', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'infradeck-batch-local-'));
  });
  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  async function run(program: string[], opts: Partial<TargetRunOptions> = {}, target = web1) {
    const lines: Array<{ line: string; stream: OutputStream }> = [];
    const result = await runTarget(
      target,
      { type: 'local', program: program[0] ?? '', args: program.slice(1) },
      {
        knownHostsFile: batchKnownHostsFile(join(workspace, '.cache')),
        killGraceMs: 1_000,
        onLine: (line, stream) => lines.push({ line, stream }),
        ...opts,
      },
    );
    const out = (stream: OutputStream) => lines.filter((l) => l.stream === stream).map((l) => l.line);
    return { result, stdout: out('stdout'), stderr: out('stderr') };
  }

  it('gives the program the target in INFRADECK_TARGET and INFRADECK_TARGET_HOST, and nothing secret', async () => {
    const ran = await run(
      [
        'sh',
        '-c',
        'echo "$INFRADECK_TARGET at $INFRADECK_TARGET_HOST"; echo "redis: $(printenv REDIS_URL || echo unset)"',
      ],
      { workerEnv: { PATH: process.env.PATH, REDIS_URL: 'redis://:hunter2hunter2@db:6379' } },
    );
    expect(ran.result).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(ran.stdout).toEqual(['web-1 at 10.0.0.5', 'redis: unset']);
  });

  it('its program is started by the worker’s spawner, which ends it should the worker die', async () => {
    // The shell prints its parent's command line: the spawner's (see tests/process for the worker's death).
    const ran = await run(['sh', '-c', 'tr "\\0" " " < /proc/$PPID/cmdline']);
    expect(ran.result).toMatchObject({ exitCode: 0 });
    expect(ran.stdout.join('')).toContain('infradeck-spawner');
  });

  it('keeps the exit code, stdout and stderr apart, and the last line', async () => {
    const ran = await run(['sh', '-c', 'echo checking; echo "version 1.2 too old" >&2; exit 4']);
    expect(ran.result).toMatchObject({ exitCode: 4, lastLine: 'version 1.2 too old' });
    expect(ran.result.signal).toBeUndefined();
    expect(ran.stdout).toEqual(['checking']);
    expect(ran.stderr).toEqual(['version 1.2 too old']);
  });

  it('runs no shell: $, ; and quotes reach the program as they are', async () => {
    const ran = await run(['printf', '[%s]\\n', '$HOME', 'a; echo injected', "'q'"]);
    expect(ran.stdout).toEqual(['[$HOME]', '[a; echo injected]', "['q']"]);
  });

  it('strips escape sequences and masks secrets in every line and in the last line', async () => {
    const ran = await run(['printf', '\\033[1;32mok\\033[0m\\npassword=hunter22secret\\n']);
    expect(ran.stdout).toEqual(['ok', 'password=***']);
    expect(ran.result.lastLine).toBe('password=***');
  });

  it('a program killed by a signal: 128 + its number, and the signal', async () => {
    const ran = await run(['sh', '-c', 'kill -KILL $$']);
    expect(ran.result).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: false });
  });

  it('on timeout the whole process group goes, children included', async () => {
    const ran = await run(['sh', '-c', 'sleep 30 & echo "child $!"; wait'], { timeoutMs: 1_000 });
    expect(ran.result).toMatchObject({ timedOut: true, cancelled: false, signal: 'SIGTERM', exitCode: 143 });
    // The child's pid was printed before the timeout unless the machine was too slow to start sh at all.
    for (const line of ran.stdout) {
      const pid = Number(/^child (\d+)$/.exec(line)?.[1]);
      expect(alive(pid)).toBe(false);
    }
  });

  it('cancel ends the run with cancelled and kills what it started', async () => {
    const controller = new AbortController();
    let child = 0;
    const ran = await run(['sh', '-c', 'sleep 30 & echo "child $!"; wait; echo finished'], {
      signal: controller.signal,
      onLine: (line) => {
        const pid = /^child (\d+)$/.exec(line)?.[1];
        if (!pid) return;
        child = Number(pid);
        controller.abort();
      },
    });
    expect(ran.result).toMatchObject({
      cancelled: true,
      timedOut: false,
      signal: 'SIGTERM',
      lastLine: `child ${child}`,
    });
    expect(child).toBeGreaterThan(0);
    expect(alive(child)).toBe(false);
  });

  it('a signal aborted before the start runs nothing', async () => {
    const marker = join(workspace, 'ran');
    await expect(run(['touch', marker], { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(rm(marker)).rejects.toThrow(/ENOENT/);
  });

  it('a program that is not there: an error that says so', async () => {
    await expect(run(['no-such-program-hc'])).rejects.toThrow(
      /cannot run "no-such-program-hc": not found \(is it on the worker's PATH\?\)/,
    );
  });

  it('an empty action is refused', async () => {
    await expect(run([])).rejects.toThrow(/web-1: no program to run/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child re-parented to PID 1 may stay a zombie in a container: it runs nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
