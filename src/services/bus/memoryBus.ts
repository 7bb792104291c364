import { BusStateCell } from './busState';
import type { Bus, ConsumeOptions, JobConsumer, OpenBusOptions, SomeHandlers } from './contracts';
import { MemoryAuditLog } from './memoryAudit';
import { MemoryEventBus } from './memoryEvents';
import { MemoryJobQueue } from './memoryQueue';
import { currentRequester } from './requester';

/** The embedded default: queue, events and audit in this process; always `connected`. */
export function openMemoryBus(opts: OpenBusOptions = {}): Bus {
  const requester = opts.requester ?? currentRequester(opts.env);
  const events = new MemoryEventBus(opts.eventsMaxLen ?? 20_000);
  const audit = new MemoryAuditLog(opts.dataDir);
  const queue = new MemoryJobQueue({ events, audit, requester, policies: opts.policies });
  const state = new BusStateCell('connected');
  const consumers = new Set<JobConsumer>();
  const consume = (handlers: SomeHandlers, consumeOpts?: ConsumeOptions): JobConsumer => {
    const consumer = queue.consume(handlers, consumeOpts);
    consumers.add(consumer);
    return consumer;
  };
  if (opts.handlers) consume(opts.handlers, { concurrency: opts.concurrency ?? 2 });
  return {
    transport: 'memory',
    target: opts.dataDir ? `memory (audit in ${audit.file})` : 'memory',
    queue,
    events,
    audit,
    state,
    consume,
    workers: async () => queue.workers(),
    close: async () => {
      // In-process jobs cannot outlive the process: running ones are aborted (their commands killed).
      await Promise.all([...consumers].map((c) => c.close({ graceMs: 0 })));
      consumers.clear();
    },
  };
}
