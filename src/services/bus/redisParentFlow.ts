import type { Redis } from 'ioredis';
import type { NewEvent } from '../../domain/event';
import type { JobId, ParentFlow } from './contracts';
import type { DeckKeys, RedisEventBus } from './redisEvents';
import { flowNoteField, noteOnParent, parseJson } from './redisFlowScripts';
import type { RunningJob } from './redisJobGuard';
import { parseMarker, type RedisJobQueue } from './redisQueue';

export interface RedisParentFlowDeps {
  /** The worker's connection: a note goes ahead of the child's own end there. */
  conn: Redis;
  keys: DeckKeys;
  events: RedisEventBus;
  jobs: RedisJobQueue;
  worker: string;
  /** The parent's stored request, as the worker keeps it for its children (`RedisConsumer.parentRequest`). */
  parentRequest: (id: JobId) => Promise<{ kind: string; payload: unknown } | undefined>;
}

/**
 * A child's view of its parent over Redis (`ctx.flow.parent`): the parent's BullMQ job hash holds the notes. `child`
 * is the running child: its progress on the parent goes only while it is still in Redis (`isRunningJob`).
 */
export function redisParentFlow(
  deps: RedisParentFlowDeps,
  parent: { id: JobId; queueKey: string },
  child: RunningJob,
): ParentFlow {
  const { conn, keys } = deps;
  const hash = `${parent.queueKey}:${parent.id}`;
  const cancelMarker = async () => parseMarker(await conn.hget(keys.cancelled, parent.id));
  return {
    id: parent.id,
    job: () => deps.parentRequest(parent.id),
    note: (name, value, read) =>
      noteOnParent(conn, { hash, id: parent.id, cancelledHash: keys.cancelled }, name, value, read),
    noted: async (name) => parseJson(await conn.hget(hash, flowNoteField(name))),
    // Read before and after: a cancel that lands while they are queued may have read the list of children without
    // them, but its marker is there after (a child taken in between is then stopped as a running one is).
    addChildren: async (children) => {
      if (await cancelMarker()) return [];
      const ids = await deps.jobs.addChildren({ id: parent.id, queue: parent.queueKey }, children);
      const marker = await cancelMarker();
      if (!marker) return ids;
      await Promise.all(ids.map((id) => deps.jobs.cancel(id, marker.by).catch(() => {})));
      return [];
    },
    progress: (step, total, message) => {
      const event: NewEvent = {
        level: 'info',
        type: 'job.progress',
        jobId: parent.id,
        source: { worker: deps.worker },
        message: message ?? `${step}/${total}`,
        data: { step, total },
      };
      const progress = { step, total, ...(message !== undefined ? { message } : {}) };
      void deps.events.progressOn(conn, hash, progress, event, child).catch(() => {});
    },
  };
}
