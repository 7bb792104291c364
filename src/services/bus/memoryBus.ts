import { accessApprovals } from '../approvals/accessApprovals';
import { BusStateCell } from './busState';
import type { Bus, ConsumeOptions, JobConsumer, OpenBusOptions, SomeHandlers } from './contracts';
import { JobHistory } from './jobHistory';
import { MemoryAuditLog } from './memoryAudit';
import { MemoryEventBus } from './memoryEvents';
import { MemoryJobQueue } from './memoryQueue';
import { currentRequester } from './requester';

/**
 * The embedded default: queue, events and audit in this process; always `connected`. With a `dataDir`, the
 * audit trail and the finished jobs (`<dataDir>/jobs/`) are kept in the workspace, and job ids are counted there.
 */
export function openMemoryBus(opts: OpenBusOptions = {}): Bus {
  const requester = opts.requester ?? currentRequester(opts.env);
  const events = new MemoryEventBus(opts.eventsMaxLen ?? 20_000);
  const audit = new MemoryAuditLog(opts.dataDir);
  const history = opts.dataDir
    ? new JobHistory(opts.dataDir, {
        onError: (message) =>
          events.publishNow({ level: 'warn', type: 'job.history', source: requester, message }),
      })
    : undefined;
  const queue = new MemoryJobQueue({
    events,
    audit,
    requester,
    policies: opts.policies,
    history,
    // Without a policy given: the workspace's `access.yaml` (none: nothing waits).
    approvals: opts.approvals ?? accessApprovals(),
  });
  const state = new BusStateCell('connected');
  const consumers = new Set<JobConsumer>();
  const consume = (handlers: SomeHandlers, consumeOpts?: ConsumeOptions): JobConsumer => {
    const consumer = queue.consume(handlers, consumeOpts);
    consumers.add(consumer);
    return consumer;
  };
  if (opts.handlers)
    consume(opts.handlers, {
      concurrency: opts.concurrency ?? 2,
      ...(opts.scheduledJob ? { scheduledJob: opts.scheduledJob } : {}),
    });
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
      await queue.stop();
    },
  };
}
