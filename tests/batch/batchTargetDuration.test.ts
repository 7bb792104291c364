import { describe, expect, it } from 'vitest';
import { batchStatusRow } from '../../src/domain/batchOutcome';
import { batchRunView } from '../../src/domain/batchRun';
import type { JobView } from '../../src/domain/job';
import type { BatchPayload } from '../../src/domain/jobKinds/batch';
import { targetOutputTitle } from '../../src/screens/batch/TargetOutputView';
import { targetColumns } from '../../src/screens/batch/targetColumns';

const payload: BatchPayload = {
  name: 'slow',
  targets: [
    { key: 'web-1', name: 'web-1', host: '10.0.0.1', source: 'list' },
    { key: 'web-2', name: 'web-2', host: '10.0.0.2', source: 'list' },
  ],
  action: { type: 'local', program: 'sleep', args: ['30'] },
  serial: [],
  maxFailPercentage: 100,
  timeoutMs: 60_000,
};

const job = (over: Partial<JobView>): JobView => ({
  id: '9',
  kind: 'batch',
  status: 'active',
  step: 0,
  total: 0,
  attempts: 1,
  maxAttempts: 3,
  requestedBy: { user: 'ada', host: 'jump1' },
  createdAt: 1_000,
  payload,
  ...over,
});

const died = 'its worker died while it ran (host-a:4242, started 2026-03-01T10:00:00.000Z); not run twice';

/** web-1 ran 4.2 s; web-2's worker died while it ran and another worker failed it 47 s after it started. */
const children: JobView[] = [
  job({
    id: '9.web-1',
    kind: 'batchTarget',
    status: 'completed',
    parentId: '9',
    childKey: 'web-1',
    startedAt: 10_000,
    finishedAt: 14_300,
    result: { exitCode: 0, durationMs: 4_200, lastLine: '', timedOut: false },
  }),
  job({
    id: '9.web-2',
    kind: 'batchTarget',
    status: 'failed',
    parentId: '9',
    childKey: 'web-2',
    startedAt: 10_000,
    finishedAt: 57_000,
    error: died,
    result: { durationMs: null, lastLine: died, timedOut: false },
  }),
];

describe("a target whose worker died while it ran: its duration is unknown, never 0 nor the stall's time", () => {
  it('has no duration in the run, and null in `batch status --json`', () => {
    const run = batchRunView(job({ status: 'waiting' }), children)!;
    const [ran, lost] = run.targets;
    expect(ran.durationMs).toBe(4_200);
    expect(lost).toMatchObject({ status: 'failed' });
    expect(lost.durationMs).toBeUndefined();
    expect(batchStatusRow(lost)).toMatchObject({ target: 'web-2', status: 'failed', durationMs: null });
  });

  it('reads `-` in TOOK, also once the run ended and its result holds the targets', () => {
    const took = targetColumns(() => 60_000).find((c) => c.key === 'took')!;
    const running = batchRunView(job({ status: 'waiting' }), children)!;
    const ended = batchRunView(
      job({ status: 'completed', result: { status: 'completed', targets: running.targets } }),
      children,
    )!;
    for (const run of [running, ended]) {
      const cells = run.targets.map((target, i) => took.value({ target, job: children[i] }));
      expect(cells).toEqual(['4.2s', '-']);
    }
    expect(targetOutputTitle(running, '9.web-2', running.targets[1], children[1], 60_000)).toBe(
      'slow › web-2 · wave 1 · FAILED · took unknown',
    );
  });
});

// A target of 12 ms read `TOOK 0s` in the run and `took 0s` above its output, over `completed in 12ms`.
describe("a target's duration reads as every measured duration does (the Jobs tab, `infradeck jobs`, the attempts)", () => {
  const took = targetColumns(() => 60_000).find((c) => c.key === 'took')!;

  it.each([
    [12, '12ms'],
    [4_200, '4.2s'],
    [567_000, '9m27s'],
    [86_340_000, '23h59m'],
  ])('a target that ran %i ms reads %s in TOOK and above its output', (ms, text) => {
    const ran = job({
      id: '9.web-1',
      kind: 'batchTarget',
      status: 'completed',
      parentId: '9',
      childKey: 'web-1',
      startedAt: 10_000,
      finishedAt: 10_000 + ms,
      result: { exitCode: 0, durationMs: ms, lastLine: '', timedOut: false },
    });
    const run = batchRunView(job({ status: 'waiting' }), [ran])!;
    const [target] = run.targets;
    expect(took.value({ target, job: ran })).toBe(text);
    expect(took.width).toBeGreaterThanOrEqual(text.length);
    expect(targetOutputTitle(run, '9.web-1', target, ran, 60_000)).toBe(
      `slow › web-1 · wave 1 · OK · exit 0 · took ${text}`,
    );
  });
});
