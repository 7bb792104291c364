import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { NewAuditEntry } from '../../domain/audit';
import { compareEventIds, type DeckEvent, type NewEvent, readStoredEvent } from '../../domain/event';
import { BusError } from './busError';
import type { BusStateObservable, EventBus, SubscribeOptions, Unsubscribe } from './contracts';
import { auditEntryJson } from './redisAudit';
import { type RunningJob, runningJobFunctionLua, timestampArg } from './redisJobGuard';
import { appendRunFunctionLua, type RunStart, runsField } from './redisRuns';
import { withScripts } from './redisScripts';

/** Redis keys and channels of the deck, all under the configured prefix. */
export interface DeckKeys {
  events: string;
  eventsChannel: string;
  /** A random value created with the stream: if it changes, Redis lost the stream (restart without persistence). */
  epoch: string;
  audit: string;
  cancelled: string;
  /** Parent jobs asleep (BullMQ `delayed`): job id -> `manual` (paused until resumed) or the wake time (epoch ms). */
  sleeping: string;
  control: string;
  workers: string;
  worker(id: string): string;
}

export function deckKeys(prefix: string): DeckKeys {
  const base = `${prefix}:deck`;
  return {
    events: `${base}:events`,
    eventsChannel: `${base}:events:live`,
    epoch: `${base}:events:epoch`,
    audit: `${base}:audit`,
    cancelled: `${base}:cancelled`,
    sleeping: `${base}:sleeping`,
    control: `${base}:control`,
    workers: `${base}:workers`,
    worker: (id) => `${base}:worker:${id}`,
  };
}

/**
 * Append to the capped stream and publish on the channel in one step, so the message carries the stream id and
 * every message is also on the stream; Redis runs the script atomically, so channel order is id order. With an
 * audit entry (ARGV[5] not empty) the entry is appended to the audit stream (KEYS[3]) in the same step.
 */
const publishLua = `
redis.call('SET', KEYS[2], ARGV[4], 'NX')
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PUBLISH', ARGV[3], id .. ' ' .. ARGV[2])
if ARGV[5] ~= '' then redis.call('XADD', KEYS[3], '*', 'e', ARGV[5]) end
return id
`;

/**
 * The same, only if BullMQ has recorded the job as completed by this worker (KEYS[4] the completed set, KEYS[5]
 * the job hash, ARGV[6] the job id, ARGV[7] the worker name BullMQ keeps in the job's `pb` field): otherwise
 * nothing is written and the answer is nil.
 */
const publishIfCompletedLua = `
if not redis.call('ZSCORE', KEYS[4], ARGV[6]) or redis.call('HGET', KEYS[5], 'pb') ~= ARGV[7] then
  return false
end
${publishLua}`;

/**
 * A running job's progress: stored in a BullMQ hash (KEYS[4]: its own, or its parent's; only if it exists: never
 * recreate a removed job) and published as its `job.progress` event, in one step (ARGV[6] the progress JSON). Only
 * while the job that reports it runs (KEYS[5] its hash, ARGV[7] its `timestamp`: `isRunningJob`): a job Redis lost
 * neither stores nor tells progress under its id, which a new job may have. Nil then. BullMQ's own `updateProgress`
 * would also log it to BullMQ's event stream, which nothing of infradeck reads.
 */
const progressLua = `${runningJobFunctionLua}
if not isRunningJob(KEYS[5], ARGV[7]) then return false end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('HSET', KEYS[4], 'progress', ARGV[6]) end
${publishLua}`;

/**
 * A job's start: its attempt's entry appended to its runs (KEYS[4] the job hash, ARGV[6] the field, ARGV[7] the
 * entry; see `redisRuns`) and its `job.started` event published, in one step.
 */
const startedLua = `${appendRunFunctionLua}
appendRunEntry(KEYS[4], ARGV[6], ARGV[7])
${publishLua}`;

/**
 * A job's output line: appended to its BullMQ log (KEYS[5], as BullMQ's `job.log` does, kept to its last ARGV[7]
 * lines when not empty) and published as its `job.log` event, in one step. Only while the job exists (KEYS[4]) and is
 * the one the worker runs (its `timestamp`, ARGV[10]: `isRunningJob`): a line of a job that is gone is neither
 * stored nor told under another job's id. Once only: the job hash keeps
 * the last line number stored of each run of its handler (field ARGV[8], named by the worker and the run, number
 * ARGV[9]), and a line at or below it is one sent again (its reply lost when Redis went away after running it):
 * nothing is written. A run's lines reach Redis in order (one connection; resent in order).
 */
const logLineLua = `${runningJobFunctionLua}
if not isRunningJob(KEYS[4], ARGV[10]) then return false end
local last = tonumber(redis.call('HGET', KEYS[4], ARGV[8]) or '-1')
if tonumber(ARGV[9]) <= last then return false end
redis.call('HSET', KEYS[4], ARGV[8], ARGV[9])
redis.call('RPUSH', KEYS[5], ARGV[6])
if ARGV[7] ~= '' then redis.call('LTRIM', KEYS[5], -tonumber(ARGV[7]), -1) end
${publishLua}`;

type DeckRedis = Redis & {
  deckPublish(
    stream: string,
    epoch: string,
    audit: string,
    maxLen: number,
    json: string,
    channel: string,
    newEpoch: string,
    auditJson: string,
  ): Promise<string>;
  /**
   * The job-scoped scripts (`jobScriptArgs` lays their arguments out): the event's keys, the job's keys, the
   * event's arguments, then the script's own.
   */
  deckPublishIfCompleted(...args: (string | number)[]): Promise<string | null>;
  deckProgress(...args: (string | number)[]): Promise<string | null>;
  deckLogLine(...args: (string | number)[]): Promise<string | null>;
  deckStarted(...args: (string | number)[]): Promise<string>;
};

/** A pipeline (or MULTI) of a connection that went through `defineDeckCommands`. */
type DeckBatch = ChainableCommander & Pick<DeckRedis, 'deckPublish'>;

export function defineDeckCommands(conn: Redis): DeckRedis {
  return withScripts<DeckRedis>(conn, {
    deckPublish: { numberOfKeys: 3, lua: publishLua },
    deckPublishIfCompleted: { numberOfKeys: 5, lua: publishIfCompletedLua },
    deckProgress: { numberOfKeys: 5, lua: progressLua },
    deckStarted: { numberOfKeys: 4, lua: startedLua },
    deckLogLine: { numberOfKeys: 5, lua: logLineLua },
  });
}

/** Where BullMQ keeps a job: its completed set and its hash (`<prefix>:<queue>:completed`, `…:<id>`). */
export interface CompletedJobCheck {
  completedSet: string;
  jobHash: string;
  jobId: string;
  /** The name the worker gave BullMQ, which it stores in the job as `pb` (processed by). */
  worker: string;
}

/**
 * One subscriber connection shared by every subscription of a bus. SUBSCRIBE is only ever sent on a `ready`
 * connection (sent earlier, ioredis' own ready check would then run in subscriber mode and fail), and the hub
 * re-subscribes its channels itself after every (re)connect (ioredis' autoResubscribe is off): only then does
 * it call the `onSubscribed` callbacks, so a subscription knows the exact moment from which the channel
 * delivers again.
 */
export class PubSubHub {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly subscribedListeners = new Set<() => void>();
  private readonly disconnectListeners = new Set<() => void>();

  constructor(private readonly conn: Redis) {
    conn.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
    conn.on('ready', () => {
      const channels = [...this.handlers.keys()];
      if (channels.length === 0) return;
      conn.subscribe(...channels).then(
        () => {
          for (const listener of [...this.subscribedListeners]) listener();
        },
        () => {
          // the connection dropped again: the next 'ready' retries
        },
      );
    });
    conn.on('close', () => {
      for (const listener of [...this.disconnectListeners]) listener();
    });
  }

  /**
   * Deliver the channel's messages to `handler`. `onSubscribed` runs each time Redis has acknowledged the
   * subscription on a fresh connection (now if connected, and after every reconnect); messages published
   * after that moment reach `handler` for as long as that connection lasts.
   */
  listen(channel: string, handler: (message: string) => void, onSubscribed?: () => void): Unsubscribe {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (onSubscribed) this.subscribedListeners.add(onSubscribed);
    if (this.conn.status === 'ready') {
      this.conn.subscribe(channel).then(
        () => onSubscribed?.(),
        () => {},
      );
    }
    return () => {
      if (onSubscribed) this.subscribedListeners.delete(onSubscribed);
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current?.size === 0) {
        this.handlers.delete(channel);
        if (this.conn.status === 'ready') this.conn.unsubscribe(channel).catch(() => {});
      }
    };
  }

  onDisconnect(listener: () => void): Unsubscribe {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }
}

export interface RedisEventBusDeps {
  cmd: Redis;
  hub: PubSubHub;
  keys: DeckKeys;
  state: BusStateObservable;
  target: string;
  maxLen: number;
}

const pageSize = 1000;
/** Live messages held while a subscription replays; past this it drops them and reads the stream again. */
const maxBuffered = 20_000;

export class RedisEventBus implements EventBus {
  private readonly cmd: DeckRedis;
  private readonly subscriptions = new Set<StreamSubscription>();

  constructor(private readonly deps: RedisEventBusDeps) {
    this.cmd = defineDeckCommands(deps.cmd);
  }

  async publish(event: NewEvent, audit?: NewAuditEntry): Promise<string> {
    if (this.deps.state.get().state !== 'connected') {
      throw new BusError('unavailable', `event not published: Redis at ${this.deps.target} is unreachable`);
    }
    return this.cmd.deckPublish(...this.publishArgs(event, audit));
  }

  /** The `deckPublish` script's arguments for one event (and its audit entry). */
  private publishArgs(event: NewEvent, audit: NewAuditEntry | undefined) {
    const { keys, maxLen } = this.deps;
    return [
      keys.events,
      keys.epoch,
      keys.audit,
      maxLen,
      eventJson(event),
      keys.eventsChannel,
      randomUUID(),
      audit ? auditEntryJson(audit) : '',
    ] as const;
  }

  /**
   * A job-scoped script's arguments: the event's three keys (stream, epoch, audit), then `jobKeys` (KEYS[4]…), then
   * the event's five arguments (ARGV[1..5]), then `own` (ARGV[6]…), as the scripts above read them.
   */
  private jobScriptArgs(
    event: NewEvent,
    audit: NewAuditEntry | undefined,
    jobKeys: readonly string[],
    own: readonly string[],
  ): (string | number)[] {
    const [stream, epoch, auditKey, ...args] = this.publishArgs(event, audit);
    return [stream, epoch, auditKey, ...jobKeys, ...args, ...own];
  }

  /**
   * A job's output line stored in its BullMQ log (`<jobHash>:logs`, the last `keepLogs` kept) and its `job.log` event
   * published, in one command: both or neither, where `job.log` and `publish` are two writes.
   */
  async publishLogLine(
    event: NewEvent,
    log: {
      jobHash: string;
      row: string;
      keepLogs?: number;
      run: string;
      seq: number;
      /** The job's BullMQ `timestamp`: the line is kept only if the hash is still that job's. */
      timestamp?: number;
    },
  ): Promise<string | null> {
    if (this.deps.state.get().state !== 'connected') {
      throw new BusError('unavailable', `output not published: Redis at ${this.deps.target} is unreachable`);
    }
    return this.cmd.deckLogLine(
      ...this.jobScriptArgs(
        event,
        undefined,
        [log.jobHash, `${log.jobHash}:logs`],
        [
          log.row,
          log.keepLogs ? String(log.keepLogs) : '',
          `deck:logseq:${log.run}`,
          String(log.seq),
          timestampArg(log.timestamp),
        ],
      ),
    );
  }

  /**
   * A job's start in one command on `conn` (the worker's BullMQ connection, where the job's own writes and moves
   * follow in order): its attempt's entry appended to its runs (`redisRuns`) and its `job.started` event published.
   */
  startedOn(conn: Redis, jobHash: string, run: RunStart, event: NewEvent): Promise<string> {
    return defineDeckCommands(conn).deckStarted(
      ...this.jobScriptArgs(event, undefined, [jobHash], [runsField, JSON.stringify(run)]),
    );
  }

  /**
   * Store a job's progress in its hash (`jobHash`: the job's own, or its parent's) and publish its `job.progress`
   * event, in one command on `conn` (the worker's BullMQ connection, where the job's end follows in order: the last
   * progress need not be awaited before it). Only while `running`, the job that reports it, is still in Redis under
   * its `timestamp`; null (nothing stored nor published) otherwise.
   */
  progressOn(
    conn: Redis,
    jobHash: string,
    progress: unknown,
    event: NewEvent,
    running: RunningJob,
  ): Promise<string | null> {
    return defineDeckCommands(conn).deckProgress(
      ...this.jobScriptArgs(
        event,
        undefined,
        [jobHash, running.hash],
        [JSON.stringify(progress), timestampArg(running.timestamp)],
      ),
    );
  }

  /**
   * Publish several events (each with its audit entry) in one write, in order: each is its own atomic step, as with
   * `publish`. Rejects with the first failure (the others may have gone out).
   */
  async publishAll(items: readonly { event: NewEvent; audit?: NewAuditEntry }[]): Promise<string[]> {
    if (this.deps.state.get().state !== 'connected') {
      throw new BusError('unavailable', `events not published: Redis at ${this.deps.target} is unreachable`);
    }
    if (items.length === 0) return [];
    const batch = this.cmd.pipeline() as DeckBatch;
    for (const { event, audit } of items) batch.deckPublish(...this.publishArgs(event, audit));
    const replies = (await batch.exec()) ?? [];
    return replies.map(([error, id]) => {
      if (error) throw error;
      return String(id);
    });
  }

  /**
   * Publish `event` (and append `audit`) only if Redis already holds the job as completed by `check.worker`;
   * null if it does not (yet). Sent on `conn`, the worker's own BullMQ connection, right after BullMQ sent its
   * move-to-completed there: Redis runs commands of one connection in order, so the event goes out one round
   * trip sooner and still never before the completion it announces.
   */
  async publishIfCompleted(
    conn: Redis,
    check: CompletedJobCheck,
    event: NewEvent,
    audit: NewAuditEntry,
  ): Promise<string | null> {
    if (this.deps.state.get().state !== 'connected') return null;
    return defineDeckCommands(conn).deckPublishIfCompleted(
      ...this.jobScriptArgs(event, audit, [check.completedSet, check.jobHash], [check.jobId, check.worker]),
    );
  }

  subscribe(
    fromId: string | 'live',
    onEvent: (event: DeckEvent) => void,
    opts: SubscribeOptions = {},
  ): Unsubscribe {
    const sub = new StreamSubscription(this.deps, this.cmd, fromId, onEvent, opts);
    this.subscriptions.add(sub);
    sub.start();
    return () => {
      sub.stop();
      this.subscriptions.delete(sub);
    };
  }

  async recent(count: number, opts?: { before?: string }): Promise<DeckEvent[]> {
    if (count <= 0) return [];
    const entries = (await this.deps.cmd.xrevrange(
      this.deps.keys.events,
      opts?.before === undefined ? '+' : `(${opts.before}`,
      '-',
      'COUNT',
      count,
    )) as StreamEntry[];
    return entries.reverse().map(toEvent);
  }

  stopAll(): void {
    for (const sub of this.subscriptions) sub.stop();
    this.subscriptions.clear();
  }
}

function eventJson(event: NewEvent): string {
  return JSON.stringify({ ...event, at: event.at ?? Date.now() });
}

type StreamEntry = [id: string, fields: string[]];

function toEvent([id, fields]: StreamEntry): DeckEvent {
  const at = fields.indexOf('e');
  return readStoredEvent(id, at >= 0 ? (fields[at + 1] ?? '') : '');
}

/**
 * Replay, then live, gapless and without duplicates, across reconnects and Redis restarts.
 *
 * Why it has no gap: every event is XADDed and PUBLISHed by one atomic script, so it is on the stream before
 * any subscriber can see it on the channel, and channel order is id order. A (re)sync first waits until the
 * channel subscription is acknowledged and holds live messages in a buffer; then it reads the stream (XRANGE,
 * exclusive) after the last id it delivered. An event is either published before the acknowledgement (then it
 * is already on the stream and the XRANGE sees it) or after it (then it arrives on the channel into the
 * buffer). After the XRANGE the buffer is played, skipping ids not above the last delivered id, and the
 * subscription goes live without yielding in between. Any disconnect of the subscriber connection (messages
 * in flight are lost) is followed by a new sync from the last delivered id, so losses on the channel are
 * always recovered from the stream.
 *
 * Why no duplicates: an event is delivered only if its id is above the last delivered id; ids only grow.
 *
 * Redis restarted without persistence: the stream is gone and ids may start below ours. The stream's epoch key
 * (created with it) then has a new value; the sync notices, reports a `reset` notice, and replays the new stream
 * from its start. Events acknowledged by Redis but lost with it cannot be recovered by anyone; with AOF
 * (`appendonly yes`) the stream survives and the replay is complete.
 */
class StreamSubscription {
  private lastId: string | undefined;
  private epoch: string | undefined;
  private syncing = true;
  private buffer: Array<[string, string]> = [];
  private overflowed = false;
  private generation = 0;
  private stopped = false;
  private readonly cleanup: Unsubscribe[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  /** The channel subscription is acknowledged on the current connection. */
  private subscribed = false;

  constructor(
    private readonly deps: RedisEventBusDeps,
    private readonly cmd: DeckRedis,
    fromId: string | 'live',
    private readonly onEvent: (event: DeckEvent) => void,
    private readonly opts: SubscribeOptions,
  ) {
    if (fromId !== 'live') this.lastId = fromId === '0' || fromId === '' ? '0-0' : fromId;
  }

  start(): void {
    this.cleanup.push(
      this.deps.hub.onDisconnect(() => {
        // Messages in flight on the dropped connection are lost: abandon any sync and buffer until the next
        // one, which the reconnect starts once the channel is subscribed again.
        this.generation++;
        this.subscribed = false;
        this.syncing = true;
        this.buffer = [];
      }),
    );
    this.cleanup.push(
      this.deps.hub.listen(
        this.deps.keys.eventsChannel,
        (message) => this.onMessage(message),
        () => {
          this.subscribed = true;
          void this.sync();
        },
      ),
    );
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const off of this.cleanup.splice(0)) off();
  }

  private onMessage(message: string): void {
    if (this.stopped) return;
    const space = message.indexOf(' ');
    if (space < 0) return;
    const id = message.slice(0, space);
    const json = message.slice(space + 1);
    if (this.syncing) {
      if (this.overflowed) return;
      this.buffer.push([id, json]);
      if (this.buffer.length > maxBuffered) {
        this.buffer = [];
        this.overflowed = true;
      }
      return;
    }
    this.deliver(id, json);
  }

  private deliver(id: string, json: string): void {
    if (this.lastId !== undefined && compareEventIds(id, this.lastId) <= 0) return;
    this.lastId = id;
    try {
      this.onEvent(readStoredEvent(id, json));
    } catch {
      // a subscriber's bug must not stop its own stream
    }
  }

  private notice(kind: 'reset' | 'trimmed', message: string): void {
    try {
      this.opts.onNotice?.({ kind, message });
    } catch {
      // ignore
    }
  }

  private retrySoon(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sync();
    }, 500);
    this.retryTimer.unref?.();
  }

  /** Called once the channel subscription is acknowledged (first time and after each reconnect). */
  private async sync(): Promise<void> {
    if (this.stopped || !this.subscribed) return;
    const generation = ++this.generation;
    this.syncing = true;
    this.buffer = [];
    this.overflowed = false;
    const { cmd } = this;
    const { keys } = this.deps;
    try {
      let epoch = await cmd.get(keys.epoch);
      if (epoch === null) {
        await cmd.set(keys.epoch, randomUUID(), 'NX');
        epoch = await cmd.get(keys.epoch);
      }
      if (generation !== this.generation) return;
      if (this.epoch !== undefined && epoch !== this.epoch) {
        this.notice(
          'reset',
          'Redis lost the event stream (restarted without persistence?): events it held are gone; replaying the new stream from its start (ids restart)',
        );
        this.lastId = '0-0';
      }
      this.epoch = epoch ?? undefined;
      if (this.lastId === undefined) {
        const last = (await cmd.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as StreamEntry[];
        if (generation !== this.generation) return;
        this.lastId = last[0]?.[0] ?? '0-0';
      } else if (this.lastId !== '0-0') {
        await this.checkTrimmed(generation);
      }
      for (;;) {
        const page = (await cmd.xrange(
          keys.events,
          `(${this.lastId}`,
          '+',
          'COUNT',
          pageSize,
        )) as StreamEntry[];
        if (generation !== this.generation) return;
        for (const entry of page) {
          if (this.stopped) return;
          const at = entry[1].indexOf('e');
          this.deliver(entry[0], at >= 0 ? (entry[1][at + 1] ?? '') : '');
        }
        if (page.length === pageSize) continue;
        if (!this.overflowed) break;
        // Live messages came faster than the buffer holds: they are all on the stream, read on.
        this.overflowed = false;
        this.buffer = [];
      }
      const buffered = this.buffer;
      this.buffer = [];
      for (const [id, json] of buffered) this.deliver(id, json);
      this.syncing = false;
      if (this.opts.onLive) this.opts.onLive();
    } catch {
      if (generation === this.generation) this.retrySoon();
    }
  }

  private async checkTrimmed(generation: number): Promise<void> {
    let info: unknown[];
    try {
      info = (await this.cmd.call('XINFO', 'STREAM', this.deps.keys.events)) as unknown[];
    } catch {
      return; // no stream yet
    }
    if (generation !== this.generation || this.lastId === undefined) return;
    const at = info.indexOf('max-deleted-entry-id');
    const maxDeleted = at >= 0 ? String(info[at + 1]) : undefined;
    if (maxDeleted && compareEventIds(maxDeleted, this.lastId) > 0) {
      this.notice(
        'trimmed',
        `events after ${this.lastId} up to ${maxDeleted} were dropped from the capped stream before this subscriber read them`,
      );
    }
  }
}
