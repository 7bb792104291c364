import { describe, expect, it } from 'vitest';
import { nearestIndex, nearestPoint } from '../../src/domain/timelineNearest';
import { TimelineStore } from '../../src/domain/timelineStore';

describe('nearest lookup at a cursor time', () => {
  const points = [
    { t: 100, v: 1 },
    { t: 200, v: 2 },
    { t: 400, v: 4 },
  ];

  it('finds the nearest point on either side, the earlier on a tie', () => {
    expect(nearestPoint(points, 90)?.v).toBe(1);
    expect(nearestPoint(points, 260)?.v).toBe(2);
    expect(nearestPoint(points, 340)?.v).toBe(4);
    expect(nearestPoint(points, 300)?.v).toBe(2);
    expect(nearestPoint(points, 10_000)?.v).toBe(4);
  });

  it('finds nothing when there is nothing, or nothing close enough', () => {
    expect(nearestPoint([], 5)).toBeUndefined();
    expect(nearestPoint(points, 1000, 100)).toBeUndefined();
    expect(nearestPoint(points, Number.NaN)).toBeUndefined();
    expect(nearestIndex(points, 450, (p) => p.t, 50)).toBe(2);
  });

  it("finds a lane's nearest event with what, who and which job", () => {
    const now = Date.UTC(2024, 5, 12, 12);
    const store = new TimelineStore({ clock: () => now });
    for (const [i, ms] of [now - 50_000, now - 30_000, now - 10_000].entries()) {
      store.add({
        id: `${ms}-0`,
        at: ms,
        level: 'info',
        type: 'job.queued',
        jobId: `j${i}`,
        source: { user: 'ada', host: 'ops-1' },
        message: 'queued',
        data: { kind: 'deploy', summary: `deploy shop${i} (d-${i})`, maxAttempts: 1 },
      });
    }
    const e = store.nearest('deploys', now - 28_000);
    expect(e).toMatchObject({
      jobId: 'j1',
      who: 'ada@ops-1',
      what: 'queued deploy shop1 (d-1)',
      subject: 'shop1',
      opens: { job: 'j1' },
    });
    expect(store.nearest('commits', now)).toBeUndefined();
  });
});
