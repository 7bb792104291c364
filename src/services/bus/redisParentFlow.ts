import type { Redis } from 'ioredis';
import type { NewEvent } from '../../domain/event';
import type { JobId, ParentFlow } from './contracts';
import type { DeckKeys, RedisEventBus } from './redisEvents';
import {
  childMayWrite,
  flowNoteField,
  noteOnParent,
  type ParentOfChild,
  parseJson,
} from './redisFlowScripts';
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
 * is the running child: each of its writes on the parent (progress, a note, children added) goes only while it is
 * still the job its worker runs (`isRunningJob`): after Redis lost its data a new job may hold the parent's id.
 */
export function redisParentFlow(
  deps: RedisParentFlowDeps,
  parent: { id: JobId; queueKey: string },
  child: RunningJob,
): ParentFlow {
  const { conn, keys } = deps;
  const hash = `${parent.queueKey}:${parent.id}`;
  const onParent: ParentOfChild = { hash, id: parent.id, cancelledHash: keys.cancelled };
  const cancelMarker = async () => parseMarker(await conn.hget(keys.cancelled, parent.id));
  return {
    id: parent.id,
    job: () => deps.parentRequest(parent.id),
    note: (name, value, read) => noteOnParent(conn, onParent, child, name, value, read),
    noted: async (name) => parseJson(await conn.hget(hash, flowNoteField(name))),
    // Checked before (`childMayWrite`: this child still runs, the parent is there and not cancelled) and the cancel
    // read after: a cancel that lands while they are queued may have read the list of children without them, but
    // its marker is there after (a child taken in between is then stopped as a running one is).
    addChildren: async (children) => {
      if (!(await childMayWrite(conn, onParent, child))) return [];
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
