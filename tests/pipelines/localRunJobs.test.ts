import { describe, expect, it } from 'vitest';
import type { JobStatus, JobView } from '../../src/domain/job';
import type { PipelineResult } from '../../src/domain/jobKinds/pipeline';
import { statusColor } from '../../src/screens/pipelines/pipelineColumns';
import { noLogReason, runJobColumns, runJobRows } from '../../src/screens/pipelines/runJobColumns';
import { LocalPipelineClient } from '../../src/services/pipelines/localClient';
import { runJobs, shipPayload, T0, who } from './runJobsFixture';

/** `lint` and `test` first, `build` after both, `deploy` after `build`. */
const payload = shipPayload(
  [
    { name: 'lint', needs: [] },
    { name: 'test', needs: [] },
    { name: 'build', needs: ['lint', 'test'] },
    { name: 'deploy', needs: ['build'] },
  ],
  1,
);
const jobs = runJobs(payload, {}, { startedAt: T0 });
/** A job that left the queue was taken once. */
const taken = (status: JobStatus) => ({ attempts: status === 'queued' ? 0 : 1 });
const run = (status: JobStatus, over: Partial<JobView> = {}) =>
  jobs.run(status, { ...taken(status), ...over });
const step = (name: string, status: JobStatus, over: Partial<JobView> = {}) =>
  jobs.step(name, status, { ...taken(status), ...over });

/** The run view's rows of run r1 as the console's local client builds them from these jobs. */
function stepRows(jobs: JobView[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const client = new LocalPipelineClient({
    queue: {
      get: async (id) => byId.get(id),
      list: async () => [...byId.values()],
      logs: async () => [],
      enqueue: async () => 'never',
      cancel: async () => {},
    },
    requester: who,
    readOnly: false,
    pipelines: async () => [],
    now: () => T0 + 5_000,
  });
  return client.runJobs({ repo: '', id: 'r1' });
}

describe("a local run's steps as the run view lists them", () => {
  it('a step whose needs have not passed waits, with no job and the needs it waits for; a created job is queued', async () => {
    const rows = await stepRows([
      run('waiting'),
      step('lint', 'active', { startedAt: T0 + 1_000 }),
      step('test', 'queued'),
    ]);
    expect(rows.map((r) => [r.name, r.status, r.id, r.waitsFor])).toEqual([
      ['lint', 'running', 'r1.lint', undefined],
      ['test', 'queued', 'r1.test', undefined],
      ['build', 'waiting', '', ['lint', 'test']],
      ['deploy', 'waiting', '', ['build']],
    ]);
  });

  it('names only the needs that have not passed yet', async () => {
    const rows = await stepRows([
      run('waiting'),
      step('lint', 'active', { startedAt: T0 + 1_000 }),
      step('test', 'completed', { startedAt: T0, finishedAt: T0 + 2_000 }),
    ]);
    expect(rows.find((r) => r.name === 'build')).toMatchObject({
      status: 'waiting',
      id: '',
      waitsFor: ['lint'],
    });
  });

  it('a step with no needs left waits for its run to queue it (the run itself not started yet)', async () => {
    const rows = await stepRows([run('queued', { startedAt: undefined })]);
    expect(rows.map((r) => [r.name, r.status, r.id, r.waitsFor])).toEqual([
      ['lint', 'waiting', '', []],
      ['test', 'waiting', '', []],
      ['build', 'waiting', '', ['lint', 'test']],
      ['deploy', 'waiting', '', ['build']],
    ]);
  });

  it('a step that never got a job (skipped after a failure) has no job id to open', async () => {
    const result: PipelineResult = {
      status: 'failed',
      steps: [
        { name: 'lint', status: 'passed', attempts: 1, durationMs: 900, jobId: 'r1.lint' },
        { name: 'test', status: 'failed', attempts: 1, durationMs: 800, jobId: 'r1.test' },
        { name: 'build', status: 'skipped', attempts: 0 },
        { name: 'deploy', status: 'skipped', attempts: 0 },
      ],
    };
    const rows = await stepRows([
      run('failed', { finishedAt: T0 + 3_000, result }),
      step('lint', 'completed'),
      step('test', 'failed'),
    ]);
    expect(rows.map((r) => [r.name, r.status, r.id, r.waitsFor])).toEqual([
      ['lint', 'passed', 'r1.lint', undefined],
      ['test', 'failed', 'r1.test', undefined],
      ['build', 'skipped', '', undefined],
      ['deploy', 'skipped', '', undefined],
    ]);
  });
});

describe("the run view's step rows", () => {
  it('dims a waiting step, shows — for the job it does not have yet, and says what Enter waits for', async () => {
    const jobs = await stepRows([
      run('waiting'),
      step('lint', 'active', { startedAt: T0 }),
      step('test', 'queued'),
    ]);
    const columns = runJobColumns(() => T0 + 5_000, false);
    const cell = (key: string, name: string) => {
      const row = runJobRows(jobs).find((r) => r.job.name === name)!;
      const column = columns.find((c) => c.key === key)!;
      return [column.value(row), column.color?.(row)];
    };
    expect(cell('status', 'build')).toEqual(['waiting', 'gray']);
    expect(cell('id', 'build')).toEqual(['—', undefined]);
    expect(cell('status', 'test')).toEqual(['queued', statusColor.queued]);
    expect(cell('id', 'test')).toEqual(['r1.test', undefined]);
    expect(new Set(runJobRows(jobs).map((r) => r.key)).size).toBe(4);
    expect(jobs.map(noLogReason)).toEqual([
      undefined,
      undefined,
      'build waits for: lint, test',
      'deploy waits for: build',
    ]);
  });

  it('says why a step with no job opens no log', () => {
    const base = { repo: '', runId: 'r1', id: '', steps: [] };
    expect(noLogReason({ ...base, name: 'lint', status: 'waiting', waitsFor: [] })).toBe(
      'lint waits for its run to queue it',
    );
    expect(noLogReason({ ...base, name: 'deploy', status: 'skipped' })).toBe(
      'deploy has no log: it never ran (skipped)',
    );
  });
});
