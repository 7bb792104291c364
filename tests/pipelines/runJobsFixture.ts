import type { JobStatus, JobView } from '../../src/domain/job';
import type { PipelinePayload } from '../../src/domain/jobKinds/pipeline';

export const T0 = Date.parse('2026-12-06T12:00:00Z');
export const who = { user: 'ann', host: 'jump' };

/** A local pipeline `ship` of `true` steps with these needs, each allowed `attempts` starts. */
export function shipPayload(steps: { name: string; needs: string[] }[], attempts: number): PipelinePayload {
  return {
    name: 'ship',
    source: { file: '/w/pipelines/ship.yaml' },
    steps: steps.map((s) => ({
      ...s,
      program: 'true',
      args: [],
      shell: false,
      env: {},
      cwd: '/w',
      attempts,
    })),
    kept: [],
  };
}

/** Jobs of run `r1` of `payload` as the queue lists them: `job` any, `run` the run, `step` one of its steps. */
export function runJobs(payload: PipelinePayload, defaults: Partial<JobView>, runDefaults: Partial<JobView>) {
  const job = (id: string, status: JobStatus, over: Partial<JobView> = {}): JobView => ({
    id,
    kind: 'pipelineStep',
    status,
    step: 0,
    total: 0,
    attempts: 0,
    maxAttempts: 1,
    requestedBy: who,
    createdAt: T0,
    payload: {},
    ...defaults,
    ...over,
  });
  const run = (status: JobStatus, over: Partial<JobView> = {}) =>
    job('r1', status, { kind: 'pipeline', payload, ...runDefaults, ...over });
  const step = (name: string, status: JobStatus, over: Partial<JobView> = {}) =>
    job(`r1.${name}`, status, { parentId: 'r1', childKey: name, ...over });
  return { job, run, step };
}
