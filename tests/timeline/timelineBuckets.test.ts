import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { TimelineBuckets } from '../../src/domain/timelineBuckets';
import { markDeploy, markDestroy } from '../../src/domain/timelineLanes';
import { TimelineStore } from '../../src/domain/timelineStore';

const t0 = Date.UTC(2024, 5, 12, 10, 0, 0);
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

function event(ms: number, type: string, extra: Partial<DeckEvent> = {}, seq = 0): DeckEvent {
  return {
    id: `${ms}-${seq}`,
    at: ms,
    level: 'info',
    type,
    source: { user: 'ada', host: 'ops-1' },
    message: type,
    ...extra,
  } as DeckEvent;
}

describe('time buckets', () => {
  it('puts every event of a window in exactly one column, at any width and zoom', () => {
    const b = new TimelineBuckets(1);
    // 3,000 events spread over 2 hours, one every 2.4 s
    for (let i = 0; i < 3000; i++) b.add(t0 + i * 2400, 0);
    for (const [span, width] of [
      [2 * hour, 80],
      [2 * hour, 200],
      [2 * hour, 20],
      [hour, 137],
      [minute, 80],
    ] as const) {
      const end = t0 + 2 * hour;
      const start = end - span;
      const cols = b.columns(0, start, end, width);
      expect(cols.counts.length).toBe(width);
      expect(sum(cols.counts)).toBe(span / 2400);
    }
  });

  it('reads the coarsest resolution no wider than a column', () => {
    const b = new TimelineBuckets(1);
    const now = t0 + 3 * day;
    b.add(now, 0);
    expect(b.columns(0, now - minute, now, 80).bucketMs).toBe(250); // 750 ms a column
    expect(b.columns(0, now - hour, now, 80).bucketMs).toBe(5_000); // 45 s a column
    expect(b.columns(0, now - day, now, 200).bucketMs).toBe(60_000); // 7.2 min
    expect(b.columns(0, now - 7 * day, now, 200).bucketMs).toBe(15 * minute); // 50 min
  });

  it('keeps counting past what the fine levels hold: the coarse ones still have it', () => {
    const b = new TimelineBuckets(1);
    const old = t0;
    for (let i = 0; i < 10; i++) b.add(old + i * 1000, 0);
    b.add(old + 2 * day, 0); // the 1-hour and 24-hour levels move on
    const cols = b.columns(0, old - minute, old + minute, 80);
    expect(sum(cols.counts)).toBe(10);
    expect(cols.bucketMs).toBe(60_000); // only the 8-day level still holds that minute
  });

  it('counts a million events in one bucket exactly, with failures and marks', () => {
    const b = new TimelineBuckets(2);
    for (let i = 0; i < 1_000_000; i++)
      b.add(t0 + 100, 1, 1, i % 1000 === 0 ? 1 : 0, i === 7 ? markDeploy : 0);
    b.add(t0 + 100, 1, 1, 0, markDestroy);
    const cols = b.columns(1, t0 - minute, t0 + minute, 20);
    expect(sum(cols.counts)).toBe(1_000_001);
    expect(sum(cols.failed)).toBe(1000);
    expect(cols.marks.reduce((m, v) => m | v, 0)).toBe(markDeploy | markDestroy);
    expect(sum(b.columns(0, t0 - minute, t0 + minute, 20).counts)).toBe(0); // the other lane
  });

  it('answers an empty or degenerate window with empty columns', () => {
    const b = new TimelineBuckets(1);
    expect(b.columns(0, t0, t0 + hour, 0).counts.length).toBe(0);
    expect(sum(b.columns(0, t0, t0, 10).counts)).toBe(0);
    expect(sum(b.columns(0, t0, t0 + hour, 10).counts)).toBe(0);
  });
});

describe('the timeline store', () => {
  it('draws events at their stream id time, not the publisher clock', () => {
    const store = new TimelineStore({ clock: () => t0 + hour });
    // a worker whose clock is 10 minutes behind: `at` says 09:50, Redis stored it at 10:00:30
    store.add(
      event(t0 + 30_000, 'job.started', {
        at: t0 - 10 * minute,
        jobId: '7',
        data: { kind: 'command' },
      } as never),
    );
    const cols = store.columns('jobs', t0, t0 + minute, 60);
    expect(cols.counts[30]).toBe(1);
    expect(store.nearest('jobs', t0)?.time).toBe(t0 + 30_000);
  });

  it('counts apart what is far in the future or older than kept, and never moves "now" for it', () => {
    const now = t0 + hour;
    const store = new TimelineStore({ clock: () => now });
    store.add(event(now - minute, 'job.started', { data: { kind: 'command' } } as never));
    store.add(event(now + 400 * day, 'job.started', { data: { kind: 'command' } } as never));
    store.add(event(now - 5 * 365 * day, 'job.started', { data: { kind: 'command' } } as never));
    store.add({ ...event(now, 'job.started'), id: 'garbage', at: Number.NaN });
    expect(store.outside).toEqual({ future: 1, tooOld: 2 });
    expect(store.total).toBe(4);
    // the fine level still holds the last minute: the future event did not push it out
    const cols = store.columns('jobs', now - minute - 1000, now, 80);
    expect(cols.bucketMs).toBe(250);
    expect(sum(cols.counts)).toBe(1);
  });

  it('puts each event type on its lanes', () => {
    const store = new TimelineStore({ clock: () => t0 + hour });
    const at = t0 + 1000;
    const add = (type: string, extra: Record<string, unknown> = {}) =>
      store.add(event(at, type, extra as never));
    add('job.queued', { jobId: '1', data: { kind: 'deploy', summary: 'deploy shop (d-1)' } });
    add('job.queued', { jobId: '2', data: { kind: 'destroy', summary: 'destroy blog' } });
    add('job.failed', { jobId: '1', level: 'error', data: { kind: 'deploy', error: 'x', willRetry: false } });
    add('job.queued', {
      jobId: '3',
      source: { user: 'schedule:nightly', host: 'ops-1' },
      data: { kind: 'command' },
    });
    add('job.queued', { jobId: '4', data: { kind: 'batchTarget', parentId: '9' } });
    add('job.started', { jobId: '5', data: { kind: 'pipeline' } });
    add('scan.region', { data: { scan: { error: 'AccessDenied' } } });
    add('resource.changed', { data: { changes: [] } });
    add('job.log', { jobId: '5', level: 'warn', message: 'npm WARN deprecated' });
    add('worker.offline', { level: 'warn' });
    const total = (lane: Parameters<typeof store.columns>[0]) => {
      const c = store.columns(lane, t0, t0 + minute, 60);
      return [sum(c.counts), sum(c.failed), c.marks.reduce((m, v) => m | v, 0)];
    };
    expect(total('deploys')).toEqual([3, 1, markDeploy | markDestroy]);
    expect(total('jobs')).toEqual([2, 1, 0]); // a start and a failure
    expect(total('schedules')).toEqual([1, 0, 0]);
    expect(total('batches')).toEqual([1, 0, 0]);
    expect(total('pipelines')).toEqual([1, 0, 0]);
    expect(total('scans')).toEqual([2, 1, 0]);
    // the failed job (error) and the worker going away (warn); a line on stderr is output, not an error
    expect(total('errors')).toEqual([2, 1, 0]);
    expect(total('events')).toEqual([10, 0, 0]);
    expect(store.events('deploys', t0, t0 + minute).map((e) => e.subject)).toEqual([
      'shop',
      'blog',
      undefined,
    ]);
  });

  it('keeps the latest events of a lane in time order, whatever order they came in', () => {
    const store = new TimelineStore({ clock: () => t0 + hour, keepPerLane: 100 });
    for (let i = 0; i < 1000; i++) {
      store.addCommit({
        repo: 'web',
        hash: `h${i}`,
        time: t0 + ((i * 7919) % 1000) * 1000,
        author: 'ada',
        subject: 's',
      });
    }
    const kept = store.events('commits', t0, t0 + hour);
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThanOrEqual(150);
    expect(kept.map((e) => e.time)).toEqual([...kept.map((e) => e.time)].sort((a, b) => a - b));
    expect(sum(store.columns('commits', t0, t0 + hour, 60).counts)).toBe(1000); // counts keep all
  });
});
