import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { JobView } from '../../src/domain/job';
import {
  applyJobEvents,
  finishedKeptPerKind,
  jobsAfterPruning,
  jobsKept,
  mergeJobList,
} from '../../src/state/reducers/jobs';

const who = { user: 'alice', host: 'h' };

function job(id: string, at: number, over: Partial<JobView> = {}): JobView {
  return {
    id,
    kind: 'command',
    status: 'completed',
    step: 1,
    total: 1,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: who,
    createdAt: at,
    finishedAt: at + 1,
    payload: { program: 'true', args: [] },
    ...over,
  };
}

const completed = (jobId: string, at: number): DeckEvent => ({
  id: `${at}-0`,
  at,
  level: 'info',
  type: 'job.completed',
  jobId,
  source: { worker: 'w1' },
  message: 'completed',
  data: { kind: 'command', durationMs: 1, attempt: 1 },
});

describe('the console’s table of jobs on a busy bus', () => {
  it('stays bounded: past the limit the oldest finished jobs go, never one still running', () => {
    // A console open for days: 6,000 finished command jobs, one old job still running.
    const listed = Array.from({ length: 6_000 }, (_, i) => job(`c${i}`, 1_000 + i));
    listed.push(job('old-running', 0, { status: 'active', finishedAt: undefined }));
    const jobs = mergeJobList(new Map(), listed);
    expect(jobs.size).toBeLessThanOrEqual(jobsAfterPruning);
    expect(jobs.has('old-running')).toBe(true);
    expect(jobs.has('c5999')).toBe(true);
    expect(jobs.has('c0')).toBe(false);
    // Events keep it bounded too: the table never grows past the limit.
    let byId = jobs;
    for (let i = 0; i < 3_000; i++) {
      byId = applyJobEvents(byId, [completed(`e${i}`, 100_000 + i)]);
      expect(byId.size).toBeLessThanOrEqual(jobsKept);
    }
    expect(byId.has(`e2999`)).toBe(true);
    expect(byId.has('old-running')).toBe(true);
  });

  it('keeps a run with all its children or lets both go, the newest runs of each kind, and the open job', () => {
    const listed: JobView[] = [];
    // 600 old pipeline runs of 5 steps each (3,600 jobs), then 3,000 newer commands.
    for (let r = 0; r < 600; r++) {
      listed.push(job(`p${r}`, r * 10, { kind: 'pipeline' }));
      for (let s = 0; s < 5; s++)
        listed.push(
          job(`p${r}.s${s}`, r * 10 + 1, { kind: 'pipelineStep', parentId: `p${r}`, childKey: `s${s}` }),
        );
    }
    for (let i = 0; i < 3_000; i++) listed.push(job(`c${i}`, 100_000 + i));
    const before = new Map(listed.map((j) => [j.id, j]));
    const byId = applyJobEvents(before, [completed('p3.s1', 50)], 'p3.s1');
    const runs = [...byId.values()].filter((j) => j.kind === 'pipeline').map((j) => j.id);
    // The newest 500 runs of the kind stay, though they are older than every command; and the open job's run.
    expect(runs).toHaveLength(finishedKeptPerKind + 1);
    expect(runs).toContain('p599');
    expect(runs).toContain('p3');
    expect(runs).not.toContain('p4');
    for (const run of runs) {
      for (let s = 0; s < 5; s++) expect(byId.has(`${run}.s${s}`)).toBe(true);
    }
    expect(
      [...byId.values()].filter((j) => j.kind === 'pipelineStep' && !runs.includes(j.parentId!)),
    ).toEqual([]);
  });

  it('keeps the open job when a read of the queue, not an event, takes the table past the limit', () => {
    const old = job('old', 0);
    const listed = Array.from({ length: 6_000 }, (_, i) => job(`c${i}`, 1_000 + i));
    const byId = mergeJobList(new Map([[old.id, old]]), listed, 'old');
    expect(byId.size).toBeLessThanOrEqual(jobsKept);
    expect(byId.has('old')).toBe(true);
    expect(mergeJobList(new Map([[old.id, old]]), listed).has('old')).toBe(false);
  });
});
