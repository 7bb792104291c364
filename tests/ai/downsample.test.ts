import { describe, expect, it } from 'vitest';
import { downsample } from '../../src/domain/downsample';

const series = (ys: number[]) => ys.map((y, x) => ({ x, y }));

describe('downsample', () => {
  it('returns a series that fits as it is', () => {
    const s = series([3, 1, 2]);
    expect(downsample(s, 2)).toEqual(s);
  });

  it('keeps each bucket’s min and max in order, and the first and last point', () => {
    // 4 buckets of 5: min and max of each, first and last anchored.
    const ys = [5, 9, 1, 4, 4, /**/ 3, 3, 8, 3, 0, /**/ 2, 2, 2, 2, 2, /**/ 7, 6, 5, 4, 6];
    const out = downsample(series(ys), 4);
    expect(out.map((p) => p.x)).toEqual([0, 1, 2, 7, 9, 10, 15, 18, 19]);
    for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
  });

  it('never loses the global min and max of a long series, and stays within 2 * width + 2 points', () => {
    const ys = Array.from(
      { length: 200_000 },
      (_, i) => Math.sin(i / 500) + (i === 123_457 ? 50 : 0) - (i === 77 ? 9 : 0),
    );
    for (const width of [1, 7, 80, 333]) {
      const out = downsample(series(ys), width);
      expect(out.length).toBeLessThanOrEqual(2 * width + 2);
      expect(Math.max(...out.map((p) => p.y))).toBe(ys.reduce((a, b) => Math.max(a, b)));
      expect(Math.min(...out.map((p) => p.y))).toBe(ys.reduce((a, b) => Math.min(a, b)));
      expect(out[0].x).toBe(0);
      expect(out[out.length - 1].x).toBe(ys.length - 1);
    }
  });

  it('keeps extra fields of the points (it picks points, it does not make new ones)', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: i, y: i % 10, time: 1000 + i }));
    const out = downsample(pts, 5);
    for (const p of out) expect(p).toBe(pts[p.x]);
  });

  it('treats a width under 1 as 1', () => {
    expect(downsample(series([1, 5, 2, 8, 3]), 0).map((p) => p.y)).toEqual([1, 8, 3]);
  });
});
