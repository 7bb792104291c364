import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { PipelineRun } from '../../src/domain/pipelineClient';
import {
  keepLastKnown,
  lastRunOfRepo,
  localPipelineRows,
  localRunStatus,
  remotePipelineRows,
} from '../../src/domain/pipelineRows';
import type { RemoteRepo } from '../../src/domain/remoteRepo';

const github: RemoteRepo = { provider: 'github', host: 'github.com', path: 'acme/web' };
const gitlab: RemoteRepo = { provider: 'gitlab', host: 'gitlab.example.com', path: 'ops/infra' };

function run(id: string, workflowFile: string, startedAt: number, status: PipelineRun['status'] = 'passed') {
  return {
    source: 'github',
    repo: github.path,
    id,
    workflow: workflowFile.replace('.yml', ''),
    workflowFile,
    status,
    startedAt,
  } as PipelineRun;
}

describe('pipeline rows', () => {
  it('groups a GitHub repository by workflow and a GitLab one into one row, newest first', () => {
    const rows = remotePipelineRows([
      {
        name: 'web',
        remote: github,
        runs: [run('3', 'ci.yml', 30), run('2', 'deploy.yml', 20), run('1', 'ci.yml', 10)],
      },
      {
        name: 'infra',
        remote: gitlab,
        runs: [{ ...run('9', 'x', 5), source: 'gitlab', workflow: 'pipeline' }],
      },
    ]);
    expect(rows.map((r) => [r.key, r.runs.map((x) => x.id)])).toEqual([
      ['github:github.com/acme/web:ci.yml', ['3', '1']],
      ['github:github.com/acme/web:deploy.yml', ['2']],
      ['gitlab:gitlab.example.com/ops/infra', ['9']],
    ]);
  });

  it('says why a repository shows no runs', () => {
    const [row] = remotePipelineRows([{ name: 'notes', reason: 'no remote named origin' }]);
    expect(row).toMatchObject({
      key: 'repo:notes',
      problem: 'no remote named origin',
      problemKind: 'no-remote',
    });
  });

  it('keeps the last known runs of a repository whose provider failed, marked with the failure', () => {
    const before = remotePipelineRows([{ name: 'web', remote: github, runs: [run('3', 'ci.yml', 30)] }]);
    const failed = remotePipelineRows([
      { name: 'web', remote: github, reason: 'network down', kind: 'network' },
    ]);
    const kept = keepLastKnown(before, failed);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ problem: 'network down', problemKind: 'network' });
    expect(kept[0].runs.map((r) => r.id)).toEqual(['3']);
    // A repository that lost its remote does not keep showing old runs.
    const gone = keepLastKnown(
      before,
      remotePipelineRows([{ name: 'web', reason: 'no remote named origin' }]),
    );
    expect(gone[0].runs).toEqual([]);
  });

  it('matches local runs to their pipeline by file and gives the last run of a repository', () => {
    const job = {
      id: '7',
      kind: 'pipeline',
      status: 'failed',
      step: 0,
      total: 0,
      attempts: 1,
      maxAttempts: 1,
      requestedBy: { user: 'ann', host: 'jump' },
      createdAt: 1,
      startedAt: 100,
      finishedAt: 400,
      payload: { name: 'build', source: { file: '/w/pipelines/build.yaml' }, steps: [] },
    } as unknown as JobView;
    const rows = localPipelineRows(
      [
        {
          origin: 'workspace',
          baseDir: '/w',
          parsed: { ok: true, file: '/w/pipelines/build.yaml', pipeline: { name: 'build', steps: [] } },
        } as never,
      ],
      [job],
      1_000,
    );
    expect(rows[0].runs[0]).toMatchObject({ id: '7', status: 'failed', durationMs: 300, who: 'ann@jump' });
    expect(
      lastRunOfRepo(
        remotePipelineRows([
          { name: 'web', remote: github, runs: [run('2', 'a.yml', 20), run('5', 'b.yml', 50)] },
        ]),
        'web',
      )?.id,
    ).toBe('5');
  });

  it("reads a local run's status in the table's words: running while its steps wait, waiting while it waits for an approval", () => {
    const status = (s: JobView['status'], result?: unknown) =>
      localRunStatus({ status: s, ...(result ? { result } : {}) } as JobView);
    // A run whose steps wait for their needs is a parent job waiting for its children: it runs.
    expect(status('waiting')).toBe('running');
    expect(status('active')).toBe('running');
    expect(status('queued')).toBe('queued');
    expect(status('approval_pending')).toBe('waiting');
    // Rejected (or expired unapproved): it never ran and never will.
    expect(status('rejected')).toBe('cancelled');
    expect(status('failed', { status: 'cancelled' })).toBe('cancelled');
    expect(status('completed')).toBe('passed');
  });
});
