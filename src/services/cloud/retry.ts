import { abortError, throwIfAborted } from './cloudError';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Delay before the second try; doubles each time. */
  baseMs: number;
  maxMs: number;
}

export interface RetryOptions extends RetryPolicy {
  retryOn: (err: unknown) => boolean;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** 0..1; Math.random by default. */
  random?: () => number;
}

/** Waits `ms`, or rejects with an AbortError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with jitter: between half and all of `base * 2^(attempt-1)`, capped. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}

/** Runs `fn` until it succeeds, fails with an error `retryOn` refuses, or has used all attempts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !options.retryOn(err)) throw err;
      const delay = backoffDelay(attempt, options, options.random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

/**
 * How long a delete keeps retrying DependencyViolation: AWS releases network interfaces and attachments of a
 * terminated instance some seconds after it reports `terminated`. About two minutes in all.
 */
export const defaultDependencyRetry: RetryPolicy = { attempts: 8, baseMs: 2000, maxMs: 30_000 };
