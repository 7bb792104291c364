import type { NewEvent } from '../../domain/event';
import { maskedText, SecretMask, secretValuesOf } from '../../domain/secretMask';

/** Strings, arrays and objects looked at in one result or event's data before the rest is withheld. */
const maxDeepNodes = 100_000;
/** Deeper than this nothing a person reads lives; a deeper value is withheld rather than walked. */
const maxDeepDepth = 32;
const withheldText = `${maskedText} (withheld: too large to check for secrets)`;
/** `env` records searched for in a payload: a command's, a pipeline's, each of its steps'. */
const maxPayloadNodes = 2_000;
const maxPayloadDepth = 6;

let workerSecrets: readonly string[] | undefined;

/**
 * This process's secret values (`secretValuesOf(process.env)`), worked out by the first job and kept: a worker's
 * environment does not change while it runs, and walking it with a dozen patterns per job was a cost for nothing.
 */
export function workerSecretValues(): readonly string[] {
  workerSecrets ??= secretValuesOf(process.env);
  return workerSecrets;
}

/**
 * The values a job's own payload sets in variables named like secrets (`env: { API_TOKEN: … }` of a command, a
 * pipeline and its steps, an experiment run), and the passwords of URLs among them: a program that prints its
 * environment must not print those either.
 */
export function payloadSecretValues(payload: unknown): string[] {
  const found = new Set<string>();
  let budget = maxPayloadNodes;
  const walk = (value: unknown, depth: number): void => {
    if (budget-- <= 0 || depth > maxPayloadDepth || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [name, inner] of Object.entries(value)) {
      if (name === 'env' && isStringRecord(inner)) for (const s of secretValuesOf(inner)) found.add(s);
      else walk(inner, depth + 1);
    }
  };
  walk(payload, 0);
  return [...found];
}

/**
 * Everything of one job that leaves its worker — output lines, event messages and data, progress messages, the
 * failure message, the result — goes through this, whatever the kind: `executeJob` is the one caller, so a new
 * kind is masked without doing anything.
 */
export class JobOutputMask extends SecretMask {
  /** An event a handler emits: its message and every string of its data. */
  event<E extends Pick<NewEvent, 'message' | 'data'>>(event: E): E {
    const masked = { ...event, message: this.text(event.message) };
    if (event.data !== undefined) masked.data = this.deep(event.data);
    return masked;
  }

  /**
   * `value` with every string inside it masked (object keys are names, kept). Unchanged parts are shared, not
   * copied. Bounded: past `maxDeepNodes` values or `maxDeepDepth` levels, what is left is withheld (replaced by
   * a note) rather than let out unchecked.
   */
  deep<T>(value: T): T {
    return maskValue(value, this, 0, { left: maxDeepNodes }) as T;
  }
}

/** The mask of one job: the worker's secrets, longest first, then the payload's own. */
export function jobOutputMask(payload: unknown): JobOutputMask {
  const own = payloadSecretValues(payload);
  if (own.length === 0) return new JobOutputMask(workerSecretValues());
  const all = [...new Set([...workerSecretValues(), ...own])].sort((a, b) => b.length - a.length);
  return new JobOutputMask(all);
}

function maskValue(value: unknown, mask: SecretMask, depth: number, budget: { left: number }): unknown {
  if (typeof value === 'string') {
    return budget.left-- <= 0 ? withheldText : mask.text(value);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (budget.left-- <= 0 || depth >= maxDeepDepth) return withheldText;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const masked = maskValue(item, mask, depth + 1, budget);
      if (masked !== item) {
        copy ??= value.slice();
        copy[i] = masked;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const masked = maskValue(item, mask, depth + 1, budget);
    if (masked !== item) {
      copy ??= { ...value };
      copy[key] = masked;
    }
  }
  return copy ?? value;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
