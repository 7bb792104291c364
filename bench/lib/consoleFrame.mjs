// What the start-up benchmarks (startup, schedules) wait for in the console's output: a module of its own so that a
// test can hold it against the console's real first frame.

/**
 * The console's shell is drawn: the tab bar (its first two tabs by key and name: `1 Dashboard  2 Repositories`,
 * `1 Dash 2 Repos`; the `infradeck` brand before them only where the bar has room, so it is no mark) and the
 * status bar's clock. `screen` is the terminal output so far, escape sequences removed.
 */
export function consoleFrameDrawn(screen) {
  return /(?:^|\s)1 [A-Z]\S*\s+2 [A-Z]/m.test(screen) && /\b\d\d:\d\d\b/.test(screen);
}
