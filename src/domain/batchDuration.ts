import type { Reading } from './batchSerial';

/** Between two waves: wait this long, or until someone advances the batch. */
export type BatchPause = { ms: number } | { manual: true };

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const durationText = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const day = 24 * 3_600_000;
const expected = 'expected a duration like 30s, 2m or 1h30m, or a number of seconds';

/**
 * `30s`, `2m`, `1h30m`, `500ms`, or a number of seconds (`90`, `"90"`), as milliseconds; at most a day, because a
 * longer wait between waves or on one target is a typo, not a plan.
 */
export function readDuration(value: unknown): Reading<number> {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value * 1_000;
  else if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (/^\d+(?:\.\d+)?$/.test(text)) ms = Number(text) * 1_000;
    else if (durationText.test(text)) {
      ms = 0;
      for (const [, n, unit] of text.matchAll(part)) ms += Number(n) * units[unit];
    }
  }
  const written = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    const got = typeof value === 'string' || typeof value === 'number' ? written : shown(value);
    return { ok: false, message: `${expected}, got ${got}` };
  }
  if (ms < 0) return { ok: false, message: `must not be negative, got ${written}` };
  if (ms > day) return { ok: false, message: `must be at most 24h, got ${written}` };
  return { ok: true, value: Math.round(ms) };
}

/** `pause:` — a duration, or `manual`; `0` means no pause. */
export function readPause(value: unknown): Reading<BatchPause | undefined> {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'manual') {
    return { ok: true, value: { manual: true } };
  }
  const duration = readDuration(value);
  if (!duration.ok) {
    return { ok: false, message: duration.message.replace(expected, `${expected}, or manual`) };
  }
  return { ok: true, value: duration.value === 0 ? undefined : { ms: duration.value } };
}

/** `timeout:` of one target: a duration of at least a second. */
export function readTimeout(value: unknown): Reading<number> {
  const duration = readDuration(value);
  if (!duration.ok) return duration;
  if (duration.value < 1_000) {
    const written = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return { ok: false, message: `must be at least 1s, got ${written}` };
  }
  return duration;
}

/** `maxFailPercentage:` `0`..`100`, or written with its sign (`"20%"`). */
export function readMaxFailPercentage(value: unknown): Reading<number> {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*%?\s*$/.test(value))
    n = Number.parseFloat(value);
  const written = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (n === undefined || !Number.isFinite(n)) {
    const got = typeof value === 'string' || typeof value === 'number' ? written : shown(value);
    return { ok: false, message: `expected a percentage from 0 to 100 (like 20), got ${got}` };
  }
  if (n < 0) return { ok: false, message: `must be at least 0, got ${written}` };
  if (n > 100) return { ok: false, message: `must be at most 100, got ${written}` };
  return { ok: true, value: n };
}

/** A duration set in a file (a timeout, a pause), as written: `1h30m`, `2m`, `30s`, `500ms`, the shortest exact form. Measured durations are `jobText.formatDuration`. */
export function durationSetting(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms % 1_000 !== 0) return `${ms}ms`;
  let s = ms / 1_000;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

export function pauseText(pause: BatchPause | undefined): string {
  if (!pause) return 'no pause';
  return 'manual' in pause ? 'manual' : durationSetting(pause.ms);
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}
