import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/domain/schedule';
import { nextTick, nextTicks } from '../../src/domain/scheduleCron';
import { NextTicks } from '../../src/domain/scheduleNext';

const schedule = (name: string, cron: string, timezone: string, enabled = true): Schedule => ({
  name,
  cron,
  timezone,
  timezoneGiven: true,
  job: { kind: 'command', payload: { program: 'true', args: [], shell: false } },
  enabled,
  overlap: 'skip',
  catchUp: false,
});

describe('the next ticks of a file, kept', () => {
  const berlin = schedule('berlin', '30 2 * * *', 'Europe/Berlin');
  const tokyo = schedule('tokyo', '30 2 * * *', 'Asia/Tokyo');
  const minutely = schedule('minutely', '* * * * *', 'UTC');
  const paused = schedule('paused', '* * * * * *', 'UTC', false);
  const now = Date.parse('2026-03-28T00:59:30Z');

  it('gives each schedule the ticks croner gives, in its own zone, and none for a paused one', () => {
    const next = new NextTicks([berlin, tokyo, minutely, paused]);
    for (const s of [berlin, tokyo, minutely]) {
      expect(next.of(s, now)).toBe(nextTick(s.cron, s.timezone, now));
      expect(next.upcoming(s, now, 3)).toEqual(nextTicks(s.cron, s.timezone, now, 3));
    }
    expect(next.of(paused, now)).toBeUndefined();
    expect(next.upcoming(paused, now, 3)).toEqual([]);
  });

  it('moves on once a tick has passed, and names the schedule that runs first', () => {
    const next = new NextTicks([berlin, tokyo, minutely, paused]);
    expect(next.earliest(now)).toEqual({ schedule: minutely, tick: Date.parse('2026-03-28T01:00:00Z') });
    const later = Date.parse('2026-03-28T01:00:00Z');
    expect(next.earliest(later)?.tick).toBe(Date.parse('2026-03-28T01:01:00Z'));
    expect(next.upcoming(minutely, later, 2)).toEqual([
      Date.parse('2026-03-28T01:01:00Z'),
      Date.parse('2026-03-28T01:02:00Z'),
    ]);
  });
});
