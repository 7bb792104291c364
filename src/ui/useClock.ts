import { useEffect, useState } from 'react';

/** How often ages that only count minutes are redrawn (a scan's "3 min ago", an ended run's "started 2 h ago"). */
export const slowClockMs = 5_000;

/**
 * The time for ages and countdowns, ticking every `everyMs` while `ticking` (a hidden tab, or a view with nothing
 * running, does not redraw for its clock). Read afresh the moment it starts ticking: a tab shown again never shows
 * the ages of when it was left.
 */
export function useClock(ticking: boolean, everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!ticking) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [ticking, everyMs]);
  return now;
}
