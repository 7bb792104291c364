import type { DeckEvent } from '../domain/event';
import { isFinished, type JobView, type Requester } from '../domain/job';
import type { BatchPayload } from '../domain/jobKinds/batch';
import { stripControl } from '../domain/text';
import { childTarget, loadBatchRun, targetLine } from '../services/batch/batchRuns';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { cancelOnAbort } from './cancelOnAbort';
import { waitForJobEnd, watchRedisOutage } from './redisOutage';

export interface FollowOptions {
  requestedBy: Requester;
  readOnly: boolean;
  /** No lines as targets end (`--json`): only the end counts. */
  quiet: boolean;
  idempotencyKey?: string;
  /** Names the command in its notes (`infradeck ai: Redis is back` for a rollout); default `batch`. */
  command?: string;
}

const pollMs = 1_000;

/**
 * Queues a batch and follows it to its end: a line per target on stdout as its job ends (`web-1 ok exit 0 1.2s`),
 * the run's own notes (wave k/n, pauses, a stop) on stderr. Subscribed before the enqueue, so no event is
 * missed; a poll ends the wait should the last event be lost with a dying worker, and targets whose end was not
 * seen (or that never ran: skipped) are printed from the run at its end. The command's signal (Ctrl-C) cancels
 * the batch, and with it its running targets. While Redis is away it says so, and gives up after a minute of it.
 */
export async function followBatch(
  bus: Bus,
  payload: BatchPayload,
  io: BusCommandIO,
  opts: FollowOptions,
): Promise<{ id: string } | { error: string; code: number }> {
  const from = bus.transport === 'memory' ? 'live' : ((await bus.events.recent(1)).at(-1)?.id ?? '0');
  let id: string | undefined;
  const early: DeckEvent[] = [];
  const printed = new Set<string>();
  let finished: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const printChild = async (child: JobView) => {
    if (opts.quiet || printed.has(child.id)) return;
    const target = childTarget(payload, child);
    if (!target) return;
    printed.add(child.id);
    io.stdout.write(`${stripControl(targetLine(target, child))}\n`);
  };
  const handle = (e: DeckEvent) => {
    if (e.jobId === id) {
      const data = e.data as { stream?: unknown; willRetry?: unknown } | undefined;
      if (!opts.quiet && e.type === 'job.log' && data?.stream === 'info')
        io.stderr.write(`${stripControl(e.message)}\n`);
      if (!opts.quiet && e.type === 'job.paused')
        io.stderr.write(`to go on: infradeck batch advance ${id}\n`);
      if (
        e.type === 'job.completed' ||
        e.type === 'job.cancelled' ||
        (e.type === 'job.failed' && !data?.willRetry)
      )
        finished();
      return;
    }
    const childEnded =
      e.type === 'job.completed' ||
      e.type === 'job.cancelled' ||
      (e.type === 'job.failed' && !(e.data as { willRetry?: unknown } | undefined)?.willRetry);
    if (childEnded && e.jobId?.startsWith(`${id}.`)) {
      void bus.queue
        .get(e.jobId)
        .then((child) => (child && isFinished(child.status) ? printChild(child) : undefined))
        .catch(() => {});
    }
  };
  const stop = bus.events.subscribe(from, (e) => {
    if (id === undefined) early.push(e);
    else handle(e);
  });
  try {
    try {
      id = await bus.queue.enqueue({
        kind: 'batch',
        payload,
        requestedBy: opts.requestedBy,
        ...(opts.readOnly ? { readOnly: true } : {}),
        ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
      });
    } catch (error) {
      const code = isBusError(error, 'invalid')
        ? exitCodes.usage
        : isBusError(error, 'refused')
          ? exitCodes.failed
          : exitCodes.unavailable;
      return { error: (error as Error).message, code };
    }
    if (!opts.quiet) io.stderr.write(`run ${id} started: infradeck batch status ${id}\n`);
    for (const e of early.splice(0)) handle(e);
    const runId = id;
    const stopCancelling = cancelOnAbort(io, `run ${runId} and its running targets`, () =>
      bus.queue.cancel(runId),
    );
    const outage = watchRedisOutage(bus, io, {
      command: opts.command ?? 'batch',
      waitingFor: `run ${runId}`,
      later: `infradeck batch status ${runId}`,
    });
    let stopped: { lost: string; code: number } | undefined;
    try {
      stopped = await waitForJobEnd(bus, outage, { id: runId, said: `run ${runId}` }, ended, pollMs);
    } finally {
      outage.stop();
      stopCancelling();
    }
    if (stopped) return { error: stopped.lost, code: stopped.code };
    if (!opts.quiet) {
      const loaded = await loadBatchRun(bus.queue, runId).catch(() => undefined);
      if (loaded && 'run' in loaded) {
        const byKey = new Map(loaded.children.map((c) => [c.childKey, c]));
        for (const t of loaded.run.targets) {
          const child = byKey.get(t.key);
          if (child && printed.has(child.id)) continue;
          if (t.status === 'pending' || t.status === 'running') continue;
          io.stdout.write(`${stripControl(targetLine(t, child))}\n`);
        }
      }
    }
    return { id: runId };
  } finally {
    stop();
  }
}
