import { describe, expect, it } from 'vitest';
import {
  type BatchTargetState,
  type BatchTargetStatus,
  batchCounts,
  batchProgress,
  batchStatusOf,
  batchStatusRow,
  cancelledTargets,
  nextBatchStep,
  retryTargets,
  waveStops,
} from '../../src/domain/batchOutcome';

/** Targets of a run from a picture: one string per wave, one letter per target (p r o f s c). */
function run(...waves: string[]): BatchTargetState[] {
  const statuses: Record<string, BatchTargetStatus> = {
    p: 'pending',
    r: 'running',
    o: 'ok',
    f: 'failed',
    s: 'skipped',
    c: 'cancelled',
  };
  let n = 0;
  return waves.flatMap((wave, w) =>
    [...wave].map((letter) => {
      n++;
      return { key: `t${n}`, name: `web-${n}`, wave: w + 1, status: statuses[letter] };
    }),
  );
}

describe('the threshold, per wave, as Ansible max_fail_percentage', () => {
  const cases: [number, number, number, boolean][] = [
    // [failed, wave size, maxFailPercentage, stops]
    [0, 4, 0, false],
    [1, 4, 0, true], // 0: any failure stops
    [1, 4, 25, false], // 25% is not MORE than 25%
    [2, 4, 25, true],
    [1, 2, 50, false],
    [1, 3, 33, true], // 33.3…% > 33%
    [1, 3, 34, false],
    [9, 10, 90, false],
    [3, 3, 100, true], // a wave where every target failed stops, whatever the percentage (Ansible does too)
    [2, 3, 100, false],
    [1, 1, 99, true],
  ];
  for (const [failed, total, pct, stops] of cases) {
    it(`${failed} of ${total} failed with maxFailPercentage ${pct}: ${stops ? 'stops' : 'goes on'}`, () => {
      expect(waveStops({ failed, total }, pct)).toBe(stops);
    });
  }

  it('judges each wave on its own: failures of earlier waves do not add up', () => {
    // 1 of 4 per wave under 25%: the share never goes over, though 3 of 12 failed in all.
    expect(batchStatusOf(run('ofoo', 'oofo', 'ooof'), 25)).toBe('completed');
    expect(batchStatusOf(run('ofoo', 'offo', 'ssss'), 25)).toBe('failed');
  });
});

describe('a batch run from its targets', () => {
  it('is running while a wave runs or waves are left, paused only between waves', () => {
    expect(batchStatusOf(run('rr', 'pp'), 0)).toBe('running');
    expect(batchStatusOf(run('oo', 'pp'), 0)).toBe('running');
    expect(batchStatusOf(run('oo', 'pp'), 0, { paused: true })).toBe('paused');
    expect(batchStatusOf(run('or', 'pp'), 0, { paused: true })).toBe('running');
  });

  it('is completed when every target ran and no wave crossed the threshold, failed when one did', () => {
    expect(batchStatusOf(run('oo', 'oo'), 0)).toBe('completed');
    expect(batchStatusOf(run('oo', 'of'), 0)).toBe('failed');
    expect(batchStatusOf(run('oo', 'of'), 50)).toBe('completed');
    expect(batchStatusOf(run('of', 'ss'), 0)).toBe('failed');
    // A wave still running is not judged yet.
    expect(batchStatusOf(run('fr', 'pp'), 0)).toBe('running');
  });

  it('is cancelled when any target was cancelled', () => {
    expect(batchStatusOf(run('oc', 'cc'), 0)).toBe('cancelled');
    expect(batchStatusOf(run('of', 'cc'), 0)).toBe('cancelled');
  });

  it('counts its targets and tells the wave it is at', () => {
    const targets = run('oo', 'fr', 'pp');
    expect(batchCounts(targets)).toEqual({
      total: 6,
      pending: 2,
      running: 1,
      ok: 2,
      failed: 1,
      skipped: 0,
      cancelled: 0,
    });
    expect(batchProgress(targets)).toEqual({ wave: 2, waves: 3, done: 3, ran: 3, total: 6 });
    expect(batchProgress(run('pp', 'pp'))).toEqual({ wave: 0, waves: 2, done: 0, ran: 0, total: 4 });
    expect(batchProgress(run('of', 'ss'))).toEqual({ wave: 1, waves: 2, done: 4, ran: 2, total: 4 });
  });

  it('a cancelled target ran when it had started (it has a duration); one cancelled before its wave did not', () => {
    const [cut, never] = run('c', 'c');
    const targets = [{ ...cut, durationMs: 1_200 }, never];
    expect(batchProgress(targets)).toEqual({ wave: 1, waves: 2, done: 2, ran: 1, total: 2 });
  });
});

describe('what the coordinator does next', () => {
  it('starts the first wave without a pause, the next ones after one', () => {
    expect(nextBatchStep(run('pp', 'pp'), 0)).toEqual({
      kind: 'wave',
      wave: 1,
      keys: ['t1', 't2'],
      pauseFirst: false,
    });
    expect(nextBatchStep(run('oo', 'pp'), 0)).toEqual({
      kind: 'wave',
      wave: 2,
      keys: ['t3', 't4'],
      pauseFirst: true,
    });
  });

  it('waits while a target of the wave runs', () => {
    expect(nextBatchStep(run('or', 'pp'), 0)).toEqual({ kind: 'wait' });
  });

  it('stops when a finished wave crossed the threshold: the rest are skipped', () => {
    expect(nextBatchStep(run('of', 'pp', 'p'), 0)).toEqual({
      kind: 'stop',
      wave: 1,
      skip: ['t3', 't4', 't5'],
    });
    expect(nextBatchStep(run('of', 'pp'), 50)).toMatchObject({ kind: 'wave', wave: 2 });
    expect(nextBatchStep(run('of', 'ss'), 0)).toEqual({ kind: 'done', status: 'failed' });
  });

  it('is done when nothing is left, or the batch was cancelled', () => {
    expect(nextBatchStep(run('oo', 'oo'), 0)).toEqual({ kind: 'done', status: 'completed' });
    expect(nextBatchStep(run('oc', 'cc'), 0)).toEqual({ kind: 'done', status: 'cancelled' });
  });

  it('cancelling takes every target not finished; retry takes the failed and cancelled ones, in order', () => {
    expect(cancelledTargets(run('or', 'pp'))).toEqual(['t2', 't3', 't4']);
    const after = run('of', 'oc', 'cs');
    expect(retryTargets(after).map((t) => t.key)).toEqual(['t2', 't4', 't5']);
    expect(retryTargets(run('oo'))).toEqual([]);
  });
});

describe('batch status --json', () => {
  it('gives one row per target with its exit code and duration, null when it has none', () => {
    expect(
      batchStatusRow({
        key: 'a_22',
        name: 'web-1',
        wave: 1,
        status: 'failed',
        exitCode: 3,
        durationMs: 1250,
      }),
    ).toEqual({ target: 'web-1', wave: 1, status: 'failed', exitCode: 3, durationMs: 1250 });
    expect(batchStatusRow({ key: 'b_22', name: 'web-2', wave: 2, status: 'skipped' })).toEqual({
      target: 'web-2',
      wave: 2,
      status: 'skipped',
      exitCode: null,
      durationMs: null,
    });
  });
});
