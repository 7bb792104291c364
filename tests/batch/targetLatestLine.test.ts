import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { BatchTargetPayload } from '../../src/domain/jobKinds/batch';
import { targetLastLine } from '../../src/services/batch/batchRuns';
import type { JobContext } from '../../src/services/bus/contracts';
import { jobFlow } from '../../src/services/bus/jobFlow';
import { batchTargetHandler, latestLineProgress } from '../../src/worker/handlers/batchTarget';
import { alice } from '../bus/scriptedHandler';

type Progress = [step: number, total: number, message?: string];

function context(progress: Progress[]): JobContext {
  return {
    jobId: '12.web-1',
    attempt: 1,
    requestedBy: alice,
    signal: new AbortController().signal,
    progress: (step, total, message) => {
      progress.push(message === undefined ? [step, total] : [step, total, message]);
    },
    log: async () => {},
    emit: async () => {},
    flow: jobFlow({
      state: undefined,
      save: async () => {},
      addChildren: async () => [],
      children: async () => [],
    }),
  };
}

// The run's LAST OUTPUT of a running target is its job's progress message: it was "web-1: ssh sh" (the target and
// the program's first word) until the target ended, whatever the program printed meanwhile.
describe("a running batch target's latest line", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-target-line-'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('is its progress message as soon as it is printed, and no program name stands in for it before', async () => {
    const progress: Progress[] = [];
    const payload: BatchTargetPayload = {
      batch: 'roll',
      wave: 1,
      target: { key: 'web-1', name: 'web-1', host: '10.0.0.5', source: 'list' },
      action: { type: 'local', program: 'sh', args: ['-c', 'echo; echo "draining web-1"'] },
      timeoutMs: 10_000,
    };
    await batchTargetHandler({ dataDir: dir })(payload, context(progress));
    expect(progress).toEqual([
      [0, 1],
      [0, 1, 'draining web-1'],
      [1, 1, 'exit 0: draining web-1'],
    ]);
  });

  it('costs at most one progress a second however chatty the program, the latest line winning', () => {
    vi.useFakeTimers();
    const progress: Progress[] = [];
    const latest = latestLineProgress(context(progress), 1_000);
    latest.line('line 1');
    latest.line('line 2');
    latest.line('line 3');
    expect(progress).toEqual([[0, 1, 'line 1']]);
    vi.advanceTimersByTime(1_000);
    expect(progress).toEqual([
      [0, 1, 'line 1'],
      [0, 1, 'line 3'],
    ]);
    latest.line('line 4');
    latest.stop();
    vi.advanceTimersByTime(5_000);
    expect(progress).toHaveLength(2);
  });

  it('`infradeck batch status` shows it for a running target', () => {
    const running = { id: '12.a', status: 'active', message: 'draining web-1' } as JobView;
    expect(targetLastLine(running)).toBe('draining web-1');
    const done = { ...running, status: 'completed', result: { lastLine: 'done' } } as JobView;
    expect(targetLastLine(done)).toBe('done');
  });
});
