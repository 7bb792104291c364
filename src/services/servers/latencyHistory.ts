import { RingBuffer } from '../../domain/ringBuffer';
import type { ProbeResult } from './probeTcp';

export interface LastProbe {
  result: ProbeResult;
  /** Epoch ms. */
  at: number;
}

/**
 * The last `capacity` probes of each host, for the Servers screen's latency sparkline: `samples(key)` is
 * oldest first, one number per probe, `NaN` where the host did not answer (the sparkline draws a gap there,
 * so an outage stays visible after the host is back).
 */
export class LatencyHistory {
  private readonly byKey = new Map<string, { samples: RingBuffer<number>; last: LastProbe }>();

  constructor(readonly capacity = 60) {}

  record(key: string, result: ProbeResult, at: number = Date.now()): void {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { samples: new RingBuffer<number>(this.capacity), last: { result, at } };
      this.byKey.set(key, entry);
    }
    entry.samples.push(result.ok ? result.latencyMs : Number.NaN);
    entry.last = { result, at };
  }

  /** Latencies in ms, oldest first; `NaN` for a probe that failed. A copy: safe to keep in a store. */
  samples(key: string): number[] {
    return this.byKey.get(key)?.samples.toArray() ?? [];
  }

  last(key: string): LastProbe | undefined {
    return this.byKey.get(key)?.last;
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** Drops the hosts not in `keys` (servers removed from the list). */
  retain(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of this.byKey.keys()) if (!keep.has(key)) this.byKey.delete(key);
  }
}
