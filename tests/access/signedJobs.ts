import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { waitFor } from '../bus/contractSuite';

/** The job once it has completed or failed. */
export function jobEnd(bus: Bus, id: string, timeoutMs = 20_000) {
  return waitFor(
    `job ${id} ends`,
    async () => {
      const view = await bus.queue.get(id);
      return view && (view.status === 'completed' || view.status === 'failed') ? view : undefined;
    },
    timeoutMs,
  );
}

/**
 * Each forged job `[id, file, why]` failed for good on its first attempt, refused by the signature check for a
 * reason matching `why`, and the file in `dir` it would have touched is not there.
 */
export async function expectRefused(
  bus: Bus,
  dir: string,
  forged: Array<[string, string, RegExp]>,
  timeoutMs?: number,
): Promise<void> {
  for (const [id, file, why] of forged) {
    const view = await jobEnd(bus, id, timeoutMs);
    expect(view.status, `${file}: ${view.error}`).toBe('failed');
    expect(view.error).toMatch(/^refused: request signature: /);
    expect(view.error).toMatch(why);
    expect(view.attempts).toBe(1);
    expect(existsSync(join(dir, file)), `${file} ran`).toBe(false);
  }
}
