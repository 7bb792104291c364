import { readFileSync } from 'node:fs';

/**
 * How long this thread has waited for a CPU while ready to run (Linux's run queue, /proc/thread-self/schedstat), in
 * ms; undefined where the kernel does not say. On a loaded machine a frame is late by this, whatever it costs.
 */
export function cpuWaitMs(): number | undefined {
  try {
    const waitedNs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
