import type { SerialStep } from './batchSerial';

/**
 * Wave sizes for `total` targets, exactly as Ansible sizes its batches: ansible/ansible
 * `lib/ansible/executor/playbook_executor.py` `_get_serialized_batches` takes `pct_to_int(serial[i], all_hosts_len)`
 * hosts per batch, moving to the next size after each batch and keeping the last one; and
 * `lib/ansible/utils/helpers.py` `pct_to_int` reads "x%" as `int((x / 100.0) * num_items) or 1`: a percentage of
 * ALL the targets (not of those left), rounded down in floating point (29% of 100 is 28, as there), at least 1.
 * The last wave takes what is left. No sizes: one wave of everything.
 */
export function waveSizes(serial: readonly SerialStep[], total: number): number[] {
  if (total <= 0) return [];
  if (serial.length === 0) return [total];
  const sizes: number[] = [];
  let left = total;
  for (let i = 0; left > 0; i = Math.min(i + 1, serial.length - 1)) {
    const size = Math.min(sizeOf(serial[i], total), left);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

function sizeOf(step: SerialStep, total: number): number {
  if ('percent' in step) return Math.trunc((step.percent / 100) * total) || 1;
  // The schema refuses sizes below 1; Ansible would run everything in one batch for them.
  return step.count >= 1 ? Math.trunc(step.count) : total;
}

/** The targets, in their order, cut into waves of `waveSizes`. */
export function splitIntoWaves<T>(targets: readonly T[], serial: readonly SerialStep[]): T[][] {
  const waves: T[][] = [];
  let start = 0;
  for (const size of waveSizes(serial, targets.length)) {
    waves.push(targets.slice(start, start + size));
    start += size;
  }
  return waves;
}

/** The 1-based wave of each target, by its place in the ordered list. */
export function waveNumbers(serial: readonly SerialStep[], total: number): number[] {
  const out: number[] = [];
  for (const [i, size] of waveSizes(serial, total).entries()) for (let n = 0; n < size; n++) out.push(i + 1);
  return out;
}
