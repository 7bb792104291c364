import { describe, expect, it } from 'vitest';
import type { JobApproval } from '../../src/domain/approval';
import type { JobView } from '../../src/domain/job';
import { dagProgress } from '../../src/domain/pipelineDag';
import { pipelineRunSteps, pipelineRunView, reportedRun } from '../../src/domain/pipelineRun';
import { runJobs, shipPayload, T0 } from './runJobsFixture';

/** `lint` and `test` first, `build` after both. */
const payload = shipPayload(
  [
    { name: 'lint', needs: [] },
    { name: 'test', needs: [] },
    { name: 'build', needs: ['lint', 'test'] },
  ],
  2,
);
const { run, step } = runJobs(payload, { maxAttempts: 2 }, { maxAttempts: 3 });

const approval = (state: JobApproval['state']): JobApproval => ({
  state,
  why: 'pipeline jobs need an approval (access.approve)',
  requestedAt: T0,
  expiresAt: T0 + 86_400_000,
});

function reported(runJob: JobView, children: JobView[]) {
  const view = pipelineRunView(runJob, children);
  if (!view) throw new Error('not a run');
  return reportedRun(view, children);
}

describe('a local run as `pipeline status` reports it', () => {
  it('a step whose job no worker has taken yet is pending; only a step a worker runs is running', () => {
    const children = [step('lint', 'active', { attempts: 1, startedAt: T0 }), step('test', 'queued')];
    const view = reported(run('waiting'), children);
    expect(view.status).toBe('running');
    expect(view.steps.map((s) => [s.name, s.status, s.jobId ?? null])).toEqual([
      ['lint', 'running', 'r1.lint'],
      ['test', 'pending', 'r1.test'],
      ['build', 'pending', null],
    ]);
  });

  it('a step waiting out the backoff before its next attempt is pending, its attempt so far counted', () => {
    const children = [
      step('lint', 'completed', { attempts: 1, startedAt: T0, finishedAt: T0 + 900 }),
      step('test', 'delayed', { attempts: 1, startedAt: T0, error: 'test: exit 1' }),
    ];
    const view = reported(run('waiting'), children);
    expect(view.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['lint', 'passed', 1],
      ['test', 'pending', 1],
      ['build', 'pending', 0],
    ]);
  });

  it('the run itself still counts a queued step as started: it is not queued a second time', () => {
    const children = [step('lint', 'completed', { attempts: 1 }), step('test', 'queued')];
    const steps = pipelineRunSteps(payload, children);
    const progress = dagProgress(payload.steps, new Map(steps.map((s) => [s.name, s.status])));
    expect(progress.ready).toEqual([]);
    expect(progress.finished).toBe(false);
  });

  it('a run whose approval was refused is cancelled, and so is every step (none ran)', () => {
    const view = reported(
      run('rejected', {
        finishedAt: T0 + 60_000,
        error: 'rejected by bob@jump2: not during the freeze',
        approval: approval('rejected'),
      }),
      [],
    );
    expect(view.status).toBe('cancelled');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['lint', 'cancelled'],
      ['test', 'cancelled'],
      ['build', 'cancelled'],
    ]);
  });

  it('a cancelled run: what had not ended is cancelled, and so is a step that waited on one; a step skipped for a failure stays skipped', () => {
    const four = shipPayload(
      [
        { name: 'lint', needs: [] },
        { name: 'test', needs: [] },
        { name: 'build', needs: ['lint'] },
        { name: 'pack', needs: ['build'] },
        { name: 'e2e', needs: ['test'] },
      ],
      1,
    );
    const jobs = runJobs(four, {}, {});
    const view = pipelineRunView(jobs.run('cancelled', { finishedAt: T0 + 5_000 }), [
      jobs.step('lint', 'failed', { attempts: 1, error: 'lint: exit 1' }),
      jobs.step('test', 'cancelled', { attempts: 1 }),
    ]);
    expect(view?.status).toBe('cancelled');
    expect(view?.steps.map((s) => [s.name, s.status])).toEqual([
      ['lint', 'failed'],
      ['test', 'cancelled'],
      ['build', 'skipped'],
      ['pack', 'skipped'],
      ['e2e', 'cancelled'],
    ]);
  });

  it('a run waiting for an approval has not ended: running, every step pending', () => {
    const view = reported(run('approval_pending', { approval: approval('pending') }), []);
    expect(view.status).toBe('running');
    expect(view.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
  });
});
