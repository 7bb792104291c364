// Summaries and printing shared by every benchmark. Plain JS so `node bench/*.bench.mjs` can import it;
// stats.d.mts gives the TypeScript benches its types.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: percentile(sorted, 50),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** `12.3 ms`, with more digits for sub-millisecond values. */
export function ms(value) {
  if (!Number.isFinite(value)) return '—';
  const digits = value < 1 ? 3 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ms`;
}

/**
 * One aligned line: `  label ........ n=15  min 40.1 ms  median 42.0 ms  p90 45.3 ms`.
 * `keys` picks the statistics shown, in order.
 */
export function statsLine(label, samples, keys = ['min', 'median', 'p90', 'max']) {
  const s = summarize(samples);
  const cells = keys.map((k) => `${k} ${ms(s[k]).padStart(9)}`);
  return `  ${label.padEnd(44)} n=${String(s.n).padEnd(5)} ${cells.join('  ')}`;
}

/** `  target: first complete frame ≤ 300 ms (median 212.0 ms) — met`. Informational: never fails a run. */
export function targetLine(what, value, limit, statName) {
  const verdict = Number.isFinite(value) ? (value <= limit ? 'met' : 'missed') : 'not measured';
  return `  target: ${what} ≤ ${limit} ms (${statName} ${ms(value)}) — ${verdict}`;
}

export function heading(text) {
  return `\n${text}\n${'─'.repeat(Math.min(100, text.length))}`;
}

export const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** A small seeded generator (mulberry32) so generated data and key pacing are the same on every run. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Removes terminal escape sequences (CSI, OSC, single-character escapes) so frames can be searched as text. */
export function stripAnsi(text) {
  return text.replace(
    /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g,
    '',
  );
}
