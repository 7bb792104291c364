import { mapLimit } from '../cloud/mapLimit';
import { LatencyHistory } from './latencyHistory';
import { type ProbeResult, probeTcp } from './probeTcp';

export interface ProbeTarget {
  /** The row's key (`ServerRow.key`). */
  key: string;
  host: string;
  port: number;
}

export interface ReachabilityOptions {
  /** Between the starts of two rounds (default 10 s). */
  intervalMs?: number;
  /** Per probe (default 2 s). */
  timeoutMs?: number;
  /** Probes at once (default 16). */
  concurrency?: number;
  history?: LatencyHistory;
  /** After each round, with the keys probed: read `history` then. */
  onRound?: (keys: string[]) => void;
  probe?: (host: string, port: number, timeoutMs: number) => Promise<ProbeResult>;
}

/**
 * Probes every target's SSH port on a timer and keeps the results in a `LatencyHistory`. Rounds never
 * overlap (a slow round delays the next one); `setTargets` takes effect from the next round.
 */
export class ReachabilityMonitor {
  readonly history: LatencyHistory;
  private targets: ProbeTarget[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly options: ReachabilityOptions = {}) {
    this.history = options.history ?? new LatencyHistory();
  }

  setTargets(targets: ProbeTarget[]): void {
    this.targets = targets;
    this.history.retain(targets.map((t) => t.key));
  }

  /** One round now (joins the running one if there is one). */
  probeNow(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      await this.probeNow();
      if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 10_000);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async round(): Promise<void> {
    const targets = this.targets;
    const probe = this.options.probe ?? probeTcp;
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    await mapLimit(targets, this.options.concurrency ?? 16, async (t) => {
      this.history.record(t.key, await probe(t.host, t.port, timeoutMs));
    });
    this.options.onRound?.(targets.map((t) => t.key));
  }
}
