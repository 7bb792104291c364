import { describe, expect, it } from 'vitest';
import {
  clampWindow,
  columnTime,
  followNow,
  formatSpan,
  liveWindow,
  panWindow,
  parseTimeArgument,
  timeColumn,
  timelineZooms,
  windowStart,
  zoomWindow,
} from '../../src/domain/timelineWindow';

const now = Date.UTC(2024, 5, 12, 12, 0, 0);
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('zoom and pan', () => {
  it('zooms step by step from 1 minute to 7 days and no further, a live window staying at now', () => {
    let w = liveWindow(now, minute);
    const spans = [w.span];
    for (let i = 0; i < 12; i++) {
      w = zoomWindow(w, 1, { now });
      spans.push(w.span);
    }
    expect(spans.slice(0, timelineZooms.length)).toEqual([...timelineZooms]);
    expect(spans.at(-1)).toBe(7 * day);
    expect(w).toMatchObject({ end: now, live: true });
    for (let i = 0; i < 12; i++) w = zoomWindow(w, -1, { now });
    expect(w.span).toBe(minute);
  });

  it('zooms a past window around the cursor, which stays on the same column', () => {
    const w = { span: hour, end: now - day, live: false };
    const cursor = windowStart(w) + hour / 4;
    const z = zoomWindow(w, -1, { now }, cursor); // 1h -> 15m
    expect(z.span).toBe(15 * minute);
    expect((cursor - windowStart(z)) / z.span).toBeCloseTo(0.25);
    expect(z.live).toBe(false);
  });

  it('pans a quarter or a whole window; back leaves live, forward to now follows again', () => {
    const live = liveWindow(now, hour);
    const back = panWindow(live, -0.25, { now });
    expect(back).toEqual({ span: hour, end: now - 15 * minute, live: false });
    const page = panWindow(back, -1, { now });
    expect(page.end).toBe(now - 75 * minute);
    expect(panWindow(page, 1, { now })).toEqual({ span: hour, end: now - 15 * minute, live: false });
    expect(panWindow(page, 2, { now })).toEqual({ span: hour, end: now, live: true });
    expect(followNow(page, now + 5000)).toEqual({ span: hour, end: now + 5000, live: true });
  });

  it('never pans before the oldest retained time', () => {
    const earliest = now - 2 * hour;
    let w = liveWindow(now, hour);
    for (let i = 0; i < 10; i++) w = panWindow(w, -1, { now, earliest });
    expect(windowStart(w)).toBe(earliest);
    // a window wider than everything retained: it shows it all, up to now
    expect(clampWindow({ span: day, end: now - hour, live: false }, { now, earliest })).toEqual({
      span: day,
      end: now,
      live: true,
    });
  });

  it('maps columns to times and back at any width', () => {
    const start = now - hour;
    for (const width of [20, 80, 200]) {
      for (const col of [0, 1, width >> 1, width - 1]) {
        expect(timeColumn(start, now, width, columnTime(start, now, width, col))).toBe(col);
      }
    }
    expect(timeColumn(start, now, 20, now + day)).toBe(19);
    expect(timeColumn(start, now, 20, 0)).toBe(0);
  });

  it('reads --since/--until as a duration or an ISO time, and says what it cannot read', () => {
    expect(parseTimeArgument('1h', now, '--since')).toBe(now - hour);
    expect(parseTimeArgument('90s', now, '--since')).toBe(now - 90_000);
    expect(parseTimeArgument('2d', now, '--since')).toBe(now - 2 * day);
    expect(parseTimeArgument('2024-06-12T10:00:00Z', now, '--until')).toBe(now - 2 * hour);
    expect(() => parseTimeArgument('yesterday', now, '--since')).toThrow(
      /--since "yesterday": not a duration/,
    );
    expect(formatSpan(7 * day)).toBe('7d');
    expect(formatSpan(15 * minute)).toBe('15m');
  });
});
