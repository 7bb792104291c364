import { describe, expect, it } from 'vitest';
import type { JobRun } from '../../src/domain/job';
import { attemptDuration, attemptStartedAt } from '../../src/domain/jobRuns';

const run = (
  attempt: number,
  startedAt: number,
  outcome: JobRun['outcome'],
  finishedAt?: number,
): JobRun => ({
  attempt,
  startedAt,
  outcome,
  ...(finishedAt !== undefined ? { finishedAt } : {}),
});

describe("a job's current attempt", () => {
  it('of a parent that stepped aside for its children starts at its first run, not at its last wake', () => {
    const job = {
      startedAt: 9_000,
      finishedAt: 9_050,
      runs: [
        run(1, 1_000, 'suspended', 1_010),
        run(1, 5_000, 'suspended', 5_020),
        run(1, 9_000, 'completed', 9_050),
      ],
    };
    expect(attemptStartedAt(job)).toBe(1_000);
    expect(attemptDuration(job, 20_000)).toBe(8_050);
  });

  it('goes on across a hand-back and a take-over, and starts again with a retry', () => {
    const runs = [
      run(1, 1_000, 'failed', 2_000),
      run(2, 3_000, 'released', 3_500),
      run(2, 4_000, 'lost'),
      run(2, 6_000, 'running'),
    ];
    expect(attemptStartedAt({ runs, startedAt: 6_000 })).toBe(3_000);
    expect(attemptDuration({ runs, startedAt: 6_000 }, 7_000)).toBe(4_000);
  });

  it('without runs is its start; before it started there is none', () => {
    expect(attemptStartedAt({ startedAt: 42 })).toBe(42);
    expect(attemptDuration({}, 100)).toBeUndefined();
  });
});
