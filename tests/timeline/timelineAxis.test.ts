// Labels are in the host's time zone: this file runs in one with a half-hour offset.
process.env.TZ = 'Asia/Kolkata';

import { describe, expect, it } from 'vitest';
import { axisTicks, formatMoment, renderTimeAxis, tickLabel, zoneLabel } from '../../src/domain/timelineAxis';

// 2024-06-12 10:00:00 in Kolkata (UTC+05:30)
const t = Date.UTC(2024, 5, 12, 4, 30, 0);
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('the time axis', () => {
  it('shows seconds at 1 minute, minutes at 1 hour and dates at 7 days, in the host time zone', () => {
    expect(axisTicks(t, t + minute, 80).map((k) => k.label)).toContain('10:00:30');
    const hourTicks = axisTicks(t, t + hour, 80);
    expect(hourTicks[0].label).toBe('10:00');
    expect(hourTicks.every((k) => /^\d\d:\d\d$/.test(k.label))).toBe(true);
    const weekTicks = axisTicks(t, t + 7 * day, 80);
    expect(weekTicks.map((k) => k.label)).toContain('Jun 13');
    expect(weekTicks.every((k) => /^[A-Z][a-z]{2} \d{1,2}$/.test(k.label))).toBe(true);
  });

  it('puts ticks on round local times, and the date on local midnight', () => {
    const ticks = axisTicks(t - 2 * hour, t + 22 * hour, 120); // 08:00 .. 08:00 next day
    for (const k of ticks) expect(new Date(k.time).getMinutes() % 5).toBe(0);
    expect(ticks.map((k) => k.label)).toContain('Jun 13');
    expect(tickLabel(Date.UTC(2024, 5, 12, 18, 30), 'minutes')).toBe('Jun 13'); // midnight in Kolkata
  });

  it('is exactly as wide as asked, with labels that never touch, down to 20 columns', () => {
    for (const width of [20, 37, 80, 200]) {
      for (const span of [minute, hour, day, 7 * day]) {
        const line = renderTimeAxis(t, t + span, width);
        expect(line.length).toBe(width);
        expect(line).not.toMatch(/\S{9,}/); // two labels never run together
      }
    }
    expect(renderTimeAxis(t, t + hour, 0)).toBe('');
  });

  it('says which zone and how precise', () => {
    expect(zoneLabel(t)).toBe('UTC+05:30');
    expect(formatMoment(t, hour)).toBe('2024-06-12 10:00:00');
    expect(formatMoment(t, 7 * day)).toBe('2024-06-12 10:00');
  });
});
