import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { WorkerPresence } from '../../domain/job';
import { accessApprovals } from '../approvals/accessApprovals';
import { RedisApprovals } from '../approvals/redisApprovals';
import { BusStateCell } from './busState';
import type { Bus, ConsumeOptions, JobConsumer, OpenBusOptions, SomeHandlers } from './contracts';
import { RedisAuditLog } from './redisAudit';
import { RedisConsumer } from './redisConsumer';
import { deckKeys, PubSubHub, RedisEventBus } from './redisEvents';
import { queueName, RedisJobQueue } from './redisQueue';
import { parseRedisUrl } from './redisUrl';
import { coalesceWrites } from './redisWrites';
import { currentRequester } from './requester';

const prefixPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The Redis transport: BullMQ jobs, the event stream + channel, the audit stream and worker presence, every key
 * under `<prefix>:`. Opens at once whatever the state of Redis; `state` says where it stands and ioredis keeps
 * reconnecting (every 0.25–2 s).
 */
export async function openRedisBus(opts: OpenBusOptions & { redisUrl: string }): Promise<Bus> {
  const target = parseRedisUrl(opts.redisUrl);
  if (opts.redisCaFile) {
    if (!target.options.tls)
      throw new Error(`a CA file (${opts.redisCaFile}) only applies to rediss:// URLs`);
    let ca: string;
    try {
      ca = readFileSync(opts.redisCaFile, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the Redis CA file ${opts.redisCaFile}: ${(error as Error).message}`);
    }
    target.options.tls = { ...target.options.tls, ca: [...rootCertificates, ca] };
  }
  const prefix = opts.prefix ?? 'infradeck';
  if (!prefixPattern.test(prefix)) {
    throw new Error(`bus prefix "${prefix}" must be 1-64 letters, digits, "_", "." or "-"`);
  }
  const requester = opts.requester ?? currentRequester(opts.env);
  const keys = deckKeys(prefix);
  const display = `${target.display} (prefix ${prefix})`;
  const state = new BusStateCell('reconnecting', `connecting to ${target.display}`);
  const base: RedisOptions = {
    ...target.options,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(250 * times, 2_000),
    connectionName: `infradeck-${process.pid}`,
  };
  // Requests fail at once while disconnected (never queued in memory behind the user's back). No auto-pipelining:
  // it holds each command until the loop's next check phase, which put ~0.3 ms on every enqueue (bench/bus).
  const cmd = new Redis({
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  coalesceWrites(cmd);
  const sub = new Redis({ ...base, autoResubscribe: false, maxRetriesPerRequest: null });
  trackState(cmd, state, target.display, opts.downAfterMs ?? 5_000);
  sub.on('error', () => {});
  absorbLateSocketErrors(cmd);
  absorbLateSocketErrors(sub);

  const hub = new PubSubHub(sub);
  const events = new RedisEventBus({
    cmd,
    hub,
    keys,
    state,
    target: display,
    maxLen: opts.eventsMaxLen ?? 100_000,
  });
  const audit = new RedisAuditLog(cmd, keys.audit);
  const queue = new Queue(queueName, { connection: cmd, prefix });
  queue.on('error', () => {});
  // Without a policy given: the workspace's `access.yaml` (none: nothing waits, held jobs of others still list).
  const approvals = new RedisApprovals({
    cmd,
    prefix,
    policy: opts.approvals ?? accessApprovals(),
    requester,
    publish: (event, entry) => events.publish(event, entry),
    audit: (entry) => audit.append(entry),
    enqueue: (record) => jobs.enqueueApproved(record),
    exists: async (id) => (await cmd.exists(queue.toKey(id))) === 1,
  });
  const jobs = new RedisJobQueue({
    approvals,
    queue,
    cmd,
    keys,
    events,
    audit,
    state,
    target: target.display,
    requester,
    policies: opts.policies,
  });
  const consumers = new Set<JobConsumer>();

  const consume = (handlers: SomeHandlers, consumeOpts: ConsumeOptions = {}): JobConsumer => {
    const workerConn = new Redis({ ...base, maxRetriesPerRequest: null });
    coalesceWrites(workerConn);
    const workerCopies = guardedCopies(workerConn);
    const consumer = new RedisConsumer(
      { workerConn, workerCopies, cmd, hub, keys, prefix, events, state, jobs },
      handlers,
      consumeOpts,
    );
    consumers.add(consumer);
    return consumer;
  };

  const workers = async (): Promise<WorkerPresence[]> => {
    const ids = await cmd.zrange(keys.workers, 0, -1);
    if (ids.length === 0) return [];
    const values = await cmd.mget(...ids.map((id) => keys.worker(id)));
    const out: WorkerPresence[] = [];
    for (const value of values) {
      if (!value) continue;
      try {
        out.push(JSON.parse(value) as WorkerPresence);
      } catch {
        // another version's presence we cannot read: not listed
      }
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  };

  return {
    transport: 'redis',
    target: display,
    queue: jobs,
    events,
    audit,
    state,
    consume,
    workers,
    close: async () => {
      events.stopAll();
      await Promise.all([...consumers].map((c) => c.close({ graceMs: 0 })));
      consumers.clear();
      await queue.close().catch(() => {});
      for (const conn of [cmd, sub]) {
        if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect());
        else conn.disconnect();
      }
      state.set('down', 'closed');
    },
  };
}

/** `connected` on ready; `reconnecting` when the connection drops; `down` after `downAfterMs` without it. */
function trackState(conn: Redis, state: BusStateCell, display: string, downAfterMs: number): void {
  let downTimer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;
  const armDown = () => {
    if (downTimer) return;
    downTimer = setTimeout(() => {
      downTimer = undefined;
      if (state.get().state !== 'connected') state.set('down', lastError ?? `no answer from ${display}`);
    }, downAfterMs);
    downTimer.unref?.();
  };
  armDown();
  conn.on('ready', () => {
    if (downTimer) clearTimeout(downTimer);
    downTimer = undefined;
    lastError = undefined;
    state.set('connected');
  });
  conn.on('error', (error: Error) => {
    lastError = describeRedisError(error, display);
    if (state.get().state !== 'connected') state.set(state.get().state, lastError);
  });
  conn.on('close', () => {
    if (state.get().state === 'connected')
      state.set('reconnecting', lastError ?? `lost the connection to ${display}`);
    armDown();
  });
  conn.on('end', () => {
    if (state.get().state !== 'down') state.set('down', lastError ?? 'connection closed');
  });
}

/**
 * Guards `conn` and every copy made of it (BullMQ duplicates a worker's connection for its blocking reads) against
 * unhandled and late socket errors, and lists the copies, so a stop can cut them (`RedisConsumer`).
 */
function guardedCopies(conn: Redis): Redis[] {
  const copies: Redis[] = [];
  const guard = (c: Redis) => {
    c.on('error', () => {});
    absorbLateSocketErrors(c);
  };
  guard(conn);
  const duplicate = conn.duplicate.bind(conn);
  conn.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    guard(copy);
    copies.push(copy);
    return copy;
  };
  return copies;
}

/**
 * ioredis listens for its socket's first error only (`stream.once('error')`, redis/ioredis#961): a TLS handshake
 * refused for an unknown CA errors twice (the verification, then the server's alert), and the second would be an
 * uncaught exception. Once the connection has reported an error, its socket gets a listener that absorbs the rest.
 */
function absorbLateSocketErrors(conn: Redis): void {
  conn.on('error', () => {
    const stream = (conn as unknown as { stream?: NodeJS.EventEmitter }).stream;
    if (stream && stream.listenerCount('error') === 0) stream.on('error', () => {});
  });
}

export function describeRedisError(error: Error, display: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const text = error.message ?? String(error);
  if (code === 'ECONNREFUSED') return `${display} refused the connection (is Redis running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host of ${display}`;
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(text)) return `${display} did not answer in time`;
  if (/WRONGPASS|invalid username-password/i.test(text))
    return `${display} rejected the user name or password`;
  if (/NOAUTH/i.test(text)) return `${display} needs a password (put it in REDIS_URL)`;
  if (/NOPERM/i.test(text)) return `the Redis user of ${display} lacks a permission: ${text}`;
  return `${display}: ${text}`;
}
