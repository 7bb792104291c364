import { useEffect, useState } from 'react';

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
