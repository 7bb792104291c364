import { describe, expect, it } from 'vitest';
import { describeCron, formatTicks } from '../../src/domain/scheduleReading';

const at = (iso: string) => Date.parse(iso);

describe('the next runs, read short', () => {
  it('gives the first tick its date, then only what changed: the time, the day, or the whole date in another year', () => {
    expect(
      formatTicks([at('2026-06-01T10:15Z'), at('2026-06-01T10:30Z'), at('2026-06-01T10:45Z')], 'UTC'),
    ).toBe('2026-06-01 10:15, 10:30, 10:45');
    expect(formatTicks([at('2026-06-01T00:30Z'), at('2026-06-02T00:30Z')], 'Europe/Berlin')).toBe(
      '2026-06-01 02:30, 06-02 02:30',
    );
    expect(
      formatTicks([at('2026-12-31T23:00Z'), at('2027-01-01T23:00Z'), at('2028-01-01T23:00Z')], 'UTC'),
    ).toBe('2026-12-31 23:00, 2027-01-01 23:00, 2028-01-01 23:00');
  });

  it('reads a cron expression and its nicknames in plain English', () => {
    expect(describeCron('*/15 * * * *')).toBe('Every 15 minutes');
    expect(describeCron('@daily')).toBe('At 00:00');
  });
});
