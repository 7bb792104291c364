import * as z from 'zod';
/**
 * One size of `serial:` as Ansible writes it: a number of targets, or a whole percentage of ALL the batch's
 * targets (not of those left).
 */
export type SerialStep = { count: number } | { percent: number };

/** A value read from a form, a flag or a file: the value, or what is wrong with it, said to a person. */
export type Reading<T> = { ok: true; value: T } | { ok: false; message: string };

const percentText = /^\s*(-?\d+(?:\.\d+)?)\s*%\s*$/;
const countText = /^\s*(-?\d+(?:\.\d+)?)\s*$/;

/** `3`, `"3"`, `"25%"`. A size below 1, a percentage outside (0, 100] or with decimals is refused, not rounded. */
export function readSerialStep(value: unknown): Reading<SerialStep> {
  if (typeof value === 'number') return countOf(value, String(value));
  if (typeof value !== 'string') return { ok: false, message: `${expected}, got ${shown(value)}` };
  const percent = percentText.exec(value);
  if (percent) {
    const n = Number(percent[1]);
    const written = JSON.stringify(value);
    if (n <= 0) return { ok: false, message: `a percentage must be more than 0%, got ${written}` };
    if (n > 100) return { ok: false, message: `must be at most 100%, got ${written}` };
    // Ansible reads it with int(): "12.5%" would stop the play there, so it stops here.
    if (!Number.isInteger(n)) return { ok: false, message: `a percentage is a whole number, got ${written}` };
    return { ok: true, value: { percent: n } };
  }
  const count = countText.exec(value);
  if (count) return countOf(Number(count[1]), JSON.stringify(value));
  return { ok: false, message: `${expected}, got ${JSON.stringify(value)}` };
}

const expected = 'expected a number of targets (like 3) or a percentage of them (like "25%")';

function countOf(n: number, written: string): Reading<SerialStep> {
  if (!Number.isFinite(n) || n < 1) return { ok: false, message: `must be at least 1, got ${written}` };
  if (!Number.isInteger(n))
    return { ok: false, message: `must be a whole number of targets, got ${written}` };
  return { ok: true, value: { count: n } };
}

/**
 * A `--serial` flag or the form's field: `3`, `25%`, or a list `1,10%,50%` (the last size repeating). Each
 * size's problem names the size.
 */
export function readSerialText(text: string): Reading<SerialStep[]> {
  const parts = text.split(',');
  if (text.trim() === '') return { ok: false, message: `${expected}, got nothing` };
  const steps: SerialStep[] = [];
  for (const part of parts) {
    const step = readSerialStep(part.trim());
    if (!step.ok)
      return parts.length > 1 ? { ok: false, message: `"${part.trim()}": ${step.message}` } : step;
    steps.push(step.value);
  }
  return { ok: true, value: steps };
}

/** `3`, `25%`, `1, 10%, 50%`; `all at once` when no size is given. */
export function serialText(serial: readonly SerialStep[]): string {
  if (serial.length === 0) return 'all at once';
  return serial.map((s) => ('percent' in s ? `${s.percent}%` : String(s.count))).join(', ');
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** `serial:` one size or a list of them (`[1, 25%, 100%]`), each located when wrong. */
export const serialSchema = z.unknown().transform((raw, ctx): SerialStep[] => {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) {
    ctx.issues.push({ code: 'custom', message: 'must list at least one size', input: raw });
    return z.NEVER;
  }
  const steps: SerialStep[] = [];
  for (const [i, item] of list.entries()) {
    const step = readSerialStep(item);
    if (step.ok) steps.push(step.value);
    else
      ctx.issues.push({
        code: 'custom',
        path: Array.isArray(raw) ? [i] : [],
        message: step.message,
        input: item,
      });
  }
  return steps.length === list.length ? steps : z.NEVER;
});
