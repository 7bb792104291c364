/**
 * One output line of an experiment run, read for metrics. Two forms carry metrics; every other line is the log:
 *
 * - A JSON object on one line whose values are all numbers: `{"step": 120, "loss": 0.31, "acc": 0.88}`. A
 *   `"checkpoint": "s3://…"` string may stand among them (or alone). A value that is any other string, a boolean,
 *   a list or an object makes the whole line a log line: a structured log (`{"level": "info", "msg": …}`) stays a log.
 * - `key=value` words separated by spaces, every value a number: `step=120 loss=0.31`. One word that is not
 *   `name=number` (`epoch 3 loss=0.3`, `level=info`) makes it a log line.
 *
 * `step` is the x of every value on the line (a number ≥ 0); without it each metric counts its own points.
 * `NaN`, `Infinity` (as Python's json writes them), `null`, `nan`, `inf` and numbers too large for a double are
 * not points: they are skipped and counted, and the rest of the line is kept. So are names that are not 1-128
 * letters, digits, `_ . / : -` (a name holding an escape sequence, say). A line that starts like JSON but does not
 * parse (half a line, a cut line) stays in the log and is counted as skipped.
 *
 * Pure and total: any string in, a reading out; never throws, and the work is linear in the line's length.
 */

/** Why part of a line was not taken as metrics. */
export const metricSkipKinds = [
  'halfJson',
  'notFinite',
  'badName',
  'badStep',
  'badCheckpoint',
  'tooLong',
] as const;
export type MetricSkipKind = (typeof metricSkipKinds)[number];

/** What a skip of each kind reads as in a run's log (`3 half-JSON lines`). */
export const metricSkipText: Record<MetricSkipKind, [one: string, many: string]> = {
  halfJson: ['line that starts like JSON but does not parse', 'lines that start like JSON but do not parse'],
  notFinite: ['NaN, Infinity or null value', 'NaN, Infinity or null values'],
  badName: [
    'metric name that is not 1-128 letters, digits, _ . / : -',
    'metric names that are not 1-128 letters, digits, _ . / : -',
  ],
  badStep: ['step that is not a number ≥ 0', 'steps that are not numbers ≥ 0'],
  badCheckpoint: [
    'checkpoint that is not 1-2048 printable characters',
    'checkpoints that are not 1-2048 printable characters',
  ],
  tooLong: ['metric line too long to read', 'metric lines too long to read'],
};

export type MetricSkips = Partial<Record<MetricSkipKind, number>>;

export interface MetricValue {
  name: string;
  value: number;
}

export type MetricReading =
  /** A log line; `skipped` when it looked like metrics but could not be read. */
  | { metric: false; skipped?: MetricSkipKind }
  | {
      metric: true;
      step?: number;
      values: MetricValue[];
      checkpoint?: string;
      /** Parts of the line left out, by kind. */
      skipped: MetricSkips;
    };

/** Longest line read for metrics; a longer one is a log line (counted `tooLong` when it looks like metrics). */
export const maxMetricLineLength = 65_536;
export const maxMetricNameLength = 128;
const maxCheckpointLength = 2048;

const namePattern = /^[\p{L}\p{N}_][\p{L}\p{N}_./:-]*$/u;
const numberPattern = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const notFinitePattern = /^[-+]?(?:nan|inf|infinity)$/i;
/** The mark `LineSplitter` puts at the end of a line it cut. */
const cutMark = /… \[line cut: \d+ more characters\]$/;
const printable = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

export function isMetricName(name: string): boolean {
  return name.length <= maxMetricNameLength && namePattern.test(name);
}

export function parseMetricLine(line: string): MetricReading {
  const text = line.trim();
  if (text.length === 0) return { metric: false };
  const json = text.startsWith('{');
  if (text.length > maxMetricLineLength || cutMark.test(text)) {
    return json || looksLikeKeyValue(text) ? { metric: false, skipped: 'tooLong' } : { metric: false };
  }
  return json ? jsonLine(text) : keyValueLine(text);
}

function jsonLine(text: string): MetricReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Python's json writes NaN and Infinity bare; they are values to skip, not a reason to lose the line.
    const fixed = nonFiniteAsNull(text);
    if (fixed === undefined) return { metric: false, skipped: 'halfJson' };
    try {
      parsed = JSON.parse(fixed);
    } catch {
      return { metric: false, skipped: 'halfJson' };
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { metric: false };
  const entries = Object.entries(parsed);
  for (const [key, value] of entries) {
    if (typeof value === 'number' || value === null) continue;
    if (key === 'checkpoint' && typeof value === 'string') continue;
    return { metric: false };
  }
  const skipped: MetricSkips = {};
  const values: MetricValue[] = [];
  let step: number | undefined;
  let checkpoint: string | undefined;
  for (const [key, value] of entries) {
    if (key === 'checkpoint') {
      if (typeof value === 'string' && value.length <= maxCheckpointLength && printable.test(value))
        checkpoint = value;
      else count(skipped, 'badCheckpoint');
    } else if (key === 'step') {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) step = value;
      else count(skipped, 'badStep');
    } else if (!isMetricName(key)) count(skipped, 'badName');
    else if (typeof value !== 'number' || !Number.isFinite(value)) count(skipped, 'notFinite');
    else values.push({ name: key, value });
  }
  return {
    metric: true,
    ...(step !== undefined ? { step } : {}),
    values,
    ...(checkpoint !== undefined ? { checkpoint } : {}),
    skipped,
  };
}

/** `text` with NaN, Infinity and -Infinity outside strings written as null; undefined when it has none. */
function nonFiniteAsNull(text: string): string | undefined {
  let out = '';
  let from = 0;
  let inString = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    const word = text.startsWith('-Infinity', i)
      ? '-Infinity'
      : text.startsWith('Infinity', i)
        ? 'Infinity'
        : text.startsWith('NaN', i)
          ? 'NaN'
          : undefined;
    if (word) {
      out += `${text.slice(from, i)}null`;
      i += word.length - 1;
      from = i + 1;
      found = true;
    }
  }
  return found ? out + text.slice(from) : undefined;
}

function looksLikeKeyValue(text: string): boolean {
  const first = text.slice(0, 200).split(/\s/, 1)[0] ?? '';
  const eq = first.indexOf('=');
  return eq > 0 && numberOrNotFinite(first.slice(eq + 1));
}

function numberOrNotFinite(value: string): boolean {
  return numberPattern.test(value) || notFinitePattern.test(value);
}

function keyValueLine(text: string): MetricReading {
  const words = text.split(/\s+/);
  const pairs: Array<[string, string]> = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) return { metric: false };
    const value = word.slice(eq + 1);
    if (!numberOrNotFinite(value)) return { metric: false };
    pairs.push([word.slice(0, eq), value]);
  }
  const skipped: MetricSkips = {};
  const values: MetricValue[] = [];
  let step: number | undefined;
  for (const [key, raw] of pairs) {
    const value = numberPattern.test(raw) ? Number(raw) : Number.NaN;
    if (key === 'step') {
      if (Number.isFinite(value) && value >= 0) step = value;
      else count(skipped, 'badStep');
    } else if (!isMetricName(key)) count(skipped, 'badName');
    else if (!Number.isFinite(value)) count(skipped, 'notFinite');
    else values.push({ name: key, value });
  }
  return { metric: true, ...(step !== undefined ? { step } : {}), values, skipped };
}

function count(skips: MetricSkips, kind: MetricSkipKind, n = 1): void {
  skips[kind] = (skips[kind] ?? 0) + n;
}

/** Adds `more` into `into`. */
export function addSkips(into: MetricSkips, more: MetricSkips): void {
  for (const kind of metricSkipKinds) {
    const n = more[kind];
    if (n) count(into, kind, n);
  }
}

/** `2 lines that start like JSON but do not parse`. */
export function skipText(kind: MetricSkipKind, n: number): string {
  const [one, many] = metricSkipText[kind];
  return `${n} ${n === 1 ? one : many}`;
}
