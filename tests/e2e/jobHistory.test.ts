import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobLogLine, JobView } from '../../src/domain/job';
import { waitFor } from '../bus/contractSuite';
import { cliPath, runCli } from '../harness/cliProcess';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A workspace of its own, and no Redis: the embedded default. */
function workspace(): { data: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-history-cli-'));
  dirs.push(dir);
  return {
    data: join(dir, 'data'),
    env: { REDIS_URL: '', XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') },
  };
}

describe('jobs without Redis, across processes', () => {
  it('`infradeck jobs` shows the jobs earlier commands ran, each with its own id and output', async () => {
    const { data, env } = workspace();
    for (const word of ['hi', 'again']) {
      const run = await runCli(['run', '--data', data, '--wait', '--', 'echo', word], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${word}\n`);
    }
    const listed = await runCli(['jobs', '--data', data, '--json'], { env });
    expect(listed.code).toBe(0);
    const { jobs } = JSON.parse(listed.stdout) as { jobs: JobView[] };
    expect(jobs.map((j) => [j.id, j.status, (j.payload as { args: string[] }).args])).toEqual([
      ['2', 'completed', ['again']],
      ['1', 'completed', ['hi']],
    ]);
    expect(jobs[1].runs?.map((r) => r.outcome)).toEqual(['completed']);
    const one = await runCli(['jobs', '1', '--data', data, '--json'], { env });
    const { job, logs } = JSON.parse(one.stdout) as { job: JobView; logs: JobLogLine[] };
    expect(job.result).toEqual({ exitCode: 0, lines: 1, droppedLines: 0 });
    expect(logs.map((l) => l.text)).toEqual(['hi']);
    // For people: the attempts and the result as key/value lines.
    const text = await runCli(['jobs', '2', '--data', data], { env });
    expect(text.stdout).toMatch(/attempts:\n {2}#1 {2}try 1\/1 {2}\d\d:\d\d:\d\d {2}completed in \d/);
    expect(text.stdout).toContain('result:\n  exitCode: 0\n  lines: 1\n  droppedLines: 0\n');
  }, 60_000);

  it('a job whose process was killed reads as interrupted, with the attempt it was in', async () => {
    const { data, env } = workspace();
    const child = spawn(process.execPath, [cliPath, 'run', '--data', data, '--', 'sleep', '31.5'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
      detached: true,
    });
    const record = join(data, 'jobs', '1.json');
    try {
      await waitFor(
        'the job to start',
        () => readFileSync(record, 'utf8').includes('"outcome":"running"'),
        30_000,
      );
    } finally {
      // The whole group, the sleep too: nothing of the killed process is left to tidy up.
      process.kill(-child.pid!, 'SIGKILL');
    }
    const listed = await runCli(['jobs', '--data', data, '--json'], { env });
    const [job] = (JSON.parse(listed.stdout) as { jobs: JobView[] }).jobs;
    expect(job).toMatchObject({ id: '1', status: 'failed' });
    expect(job.error).toBe(
      `interrupted: the process that ran it (${job.runs?.[0].worker}) ended before it finished`,
    );
    expect(job.runs?.map((r) => [r.attempt, r.outcome])).toEqual([[1, 'lost']]);
    // The next job goes on counting.
    expect((await runCli(['run', '--data', data, '--', 'true'], { env })).stderr).toContain('job 2 ');
  }, 60_000);
});
