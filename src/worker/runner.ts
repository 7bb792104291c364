import type { Bus, ConsumeOptions, Handlers, JobConsumer } from '../services/bus/contracts';
import { jobHandlers } from './jobHandlers';

export interface RunnerOptions extends ConsumeOptions {
  /** Default: every handler of this version (`jobHandlers`). */
  handlers?: Handlers;
  /** On stop: how long running jobs may take to finish before they are handed back. Default 10 s. */
  graceMs?: number;
}

export interface Runner {
  consumer: JobConsumer;
  /** Finish or hand back running jobs, deregister, close the bus. Safe to call more than once. */
  stop(): Promise<void>;
  /** Resolves once stopped. */
  stopped: Promise<void>;
}

/** Bind the job handlers to a bus's queue: this process becomes a worker until `stop()`. */
export function startRunner(bus: Bus, opts: RunnerOptions = {}): Runner {
  const { handlers = jobHandlers, graceMs = 10_000, ...consumeOpts } = opts;
  const consumer = bus.consume(handlers, consumeOpts);
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const stop = () => {
    stopping ??= (async () => {
      try {
        await consumer.close({ graceMs });
      } finally {
        await bus.close().catch(() => {});
        markStopped();
      }
    })();
    return stopping;
  };
  return { consumer, stop, stopped };
}

/**
 * Stop the runner on SIGTERM/SIGINT (finishing or handing back its jobs). A second signal while stopping hands
 * running jobs back at once. Returns a function that removes the handlers.
 */
export function stopOnSignals(
  runner: Runner,
  onSignal?: (signal: NodeJS.Signals, second: boolean) => void,
): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    onSignal?.(signal, count > 1);
    if (count === 1) void runner.stop();
    else void runner.consumer.close({ graceMs: 0 });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
