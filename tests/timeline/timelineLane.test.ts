import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { displayWidth } from '../../src/domain/text';
import { emptyColumns } from '../../src/domain/timelineBuckets';
import { timelineFrame } from '../../src/domain/timelineFrame';
import { barFor, laneCellWidth, renderLaneCells, renderLaneLine } from '../../src/domain/timelineLane';
import { markDeploy, markDestroy } from '../../src/domain/timelineLanes';
import { TimelineStore } from '../../src/domain/timelineStore';

const now = Date.UTC(2024, 5, 12, 12);
const minute = 60_000;
const hour = 60 * minute;

function cols(counts: number[], failed: number[] = [], marks: number[] = []) {
  const c = emptyColumns(counts.length);
  counts.forEach((v, i) => {
    c.counts[i] = v;
  });
  failed.forEach((v, i) => {
    c.failed[i] = v;
  });
  marks.forEach((v, i) => {
    c.marks[i] = v;
  });
  return c;
}

function ev(ms: number, type: string, extra: Partial<DeckEvent> = {}, seq = 0): DeckEvent {
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

describe('one lane as one line', () => {
  it('draws counts as bars, failures as ✖ and deploys/destroys as ▲/▼ over them', () => {
    const line = renderLaneCells(
      cols([0, 1, 4, 9, 3, 1, 2], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0, markDeploy, markDestroy]),
    );
    // log scale up to the window's peak (9): 1 -> ▃, 4 -> ▆
    expect(line).toBe(' ▃▆█✖▲▼');
    expect(renderLaneCells(cols([1], [], [markDeploy | markDestroy]))).toBe('◆');
  });

  it('keeps one event visible beside a million in one bucket', () => {
    expect(barFor(1, 1_000_000)).toBe('▁');
    expect(barFor(1_000_000, 1_000_000)).toBe('█');
    expect(barFor(0, 1_000_000)).toBe(' ');
    expect(renderLaneCells(cols([1_000_000, 0, 1]))).toBe('█ ▁');
  });

  it('writes a deploy’s project after its marker only over blank columns, stripped of escapes', () => {
    const c = cols([1, 0, 0, 0, 0, 0, 0, 0, 2, 0], [], [markDeploy]);
    expect(renderLaneCells(c, { labels: new Map([[0, 'shop']]) })).toBe('▲shop   █ ');
    // would run into the bar at column 8: left out rather than hiding it
    expect(renderLaneCells(c, { labels: new Map([[0, 'storefront']]) })).toBe('▲       █ ');
    expect(renderLaneCells(c, { labels: new Map([[0, '\u001b[2J\u001b]0;pwn\u0007x']]) })).toBe('▲x      █ ');
  });

  it('is exactly the width asked, one column per cell, from 20 to 200 columns', () => {
    for (const width of [20, 21, 80, 200]) {
      const cells = laneCellWidth(width);
      const c = cols(
        Array.from({ length: cells }, (_, i) => (i * 7919) % 13),
        [0, 0, 3],
        [markDeploy, 0, markDestroy],
      );
      const line = renderLaneLine('deploys\u001b[31m', c, width);
      expect(line.length).toBe(width);
      expect(displayWidth(line)).toBe(width);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
    expect(renderLaneLine('jobs', cols(Array(8).fill(1)), 8)).toBe('▁▁▁▁▁▁▁▁'.replace(/▁/g, '█')); // no title below 12
    expect(() => renderLaneLine('jobs', cols([1]), 80)).toThrow(/1 columns for 69 cells/);
  });
});

describe('a frame of lanes', () => {
  it('draws every lane at 20 and 200 columns with the axis, folding nothing itself', () => {
    const store = new TimelineStore({ clock: () => now });
    store.add(
      ev(now - 30 * minute, 'job.queued', {
        jobId: '1',
        data: { kind: 'deploy', summary: 'deploy shop (d-1)' },
      } as never),
    );
    store.add(ev(now - 20 * minute, 'job.started', { jobId: '2', data: { kind: 'command' } } as never));
    store.add(
      ev(now - 10 * minute, 'job.failed', {
        jobId: '2',
        level: 'error',
        message: 'boom \u001b[2J',
        data: { kind: 'command' },
      } as never),
    );
    for (const width of [20, 200]) {
      const frame = timelineFrame(store, now - hour, now, width);
      expect(frame.axis.length).toBe(width);
      for (const l of frame.lanes) expect(l.line.length).toBe(width);
      expect(frame.lanes.find((l) => l.lane === 'jobs')?.line).toContain('✖');
      expect(frame.lanes.find((l) => l.lane === 'commits')?.empty).toBe(true);
      expect(frame.lanes.find((l) => l.lane === 'deploys')?.line).toContain('▲');
    }
    expect(timelineFrame(store, now - hour, now, 200).lanes[0].line).toContain('▲shop');
  });

  it('costs the same whatever the number of events (a million in one bucket)', () => {
    const store = new TimelineStore({ clock: () => now });
    const e = ev(now - minute, 'job.started', { data: { kind: 'command' } } as never);
    for (let i = 0; i < 1_000_000; i++) store.add(e);
    const frame = timelineFrame(store, now - hour, now, 80, ['jobs', 'events']);
    expect(frame.lanes[0].line).toMatch(/█/);
    expect(frame.lanes[0].columns.counts.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    expect(store.events('jobs', now - hour, now).length).toBeLessThanOrEqual(7_500); // kept events stay bounded
  });
});
