import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Redis } from 'ioredis';
import { type DeckEvent, eventLevels, readStoredEvent } from '../../domain/event';
import { busSettings } from '../bus/busFromEnv';
import { deckKeys } from '../bus/redisEvents';
import { parseRedisUrl } from '../bus/redisUrl';

type StreamEntry = [id: string, fields: string[]];

export interface StreamWindowOptions {
  /** Entries per XRANGE (default 5,000). */
  pageSize?: number;
  /** Only entries of these event types are parsed (a cheap look at the raw JSON first). */
  types?: readonly string[];
  signal?: AbortSignal;
}

export interface StreamWindowRead {
  /** Entries read (whatever their type). */
  read: number;
  /** Events handed to `onEvents`. */
  delivered: number;
  /** The last id read: subscribe from it to go on live without a gap or a duplicate. */
  lastId?: string;
}

/**
 * Every event of the bus's stream stored in `[start, end)` (epoch ms; `end` may be Infinity), oldest first, in pages: XRANGE by the
 * ids' time part, which is Redis's own clock when it stored the event — so a window means the same thing
 * whichever worker host published, and needs no scan of what lies outside it.
 *
 * The bus's `EventBus` has no bounded range read (its `subscribe` replays up to now and goes on live), so this
 * reads the stream directly with the bus's own key names; `subscribe(lastId)` continues after it.
 */
export async function readStreamWindow(
  conn: Redis,
  streamKey: string,
  start: number,
  end: number,
  onEvents: (events: DeckEvent[]) => void,
  opts: StreamWindowOptions = {},
): Promise<StreamWindowRead> {
  const pageSize = Math.max(1, opts.pageSize ?? 5_000);
  const out: StreamWindowRead = { read: 0, delivered: 0 };
  if (!(end > start)) return out;
  const needles = opts.types?.map((t) => `"type":${JSON.stringify(t)}`);
  let from = String(Math.max(0, Math.floor(start)));
  // `ms` as an end id means `ms-<max seq>`: the last ms of the window, inclusive.
  const to = Number.isFinite(end) ? String(Math.max(0, Math.ceil(end) - 1)) : '+';
  const page = (fromId: string) =>
    conn.xrange(streamKey, fromId, to, 'COUNT', pageSize) as Promise<StreamEntry[]>;
  let pending: Promise<StreamEntry[]> | undefined = page(from);
  while (pending) {
    const entries: StreamEntry[] = await pending;
    pending = undefined;
    out.read += entries.length;
    if (entries.length > 0) out.lastId = entries[entries.length - 1][0];
    // The next page is asked for before this one is parsed: Redis works while we do.
    if (entries.length === pageSize && !opts.signal?.aborted) {
      from = `(${out.lastId}`;
      pending = page(from);
    }
    const events: DeckEvent[] = [];
    for (const [id, fields] of entries) {
      const at = fields.indexOf('e');
      const raw = at >= 0 ? (fields[at + 1] ?? '') : '';
      if (needles && !needles.some((n) => raw.includes(n))) continue;
      events.push(readTimelineEvent(id, raw));
    }
    if (events.length > 0) {
      out.delivered += events.length;
      try {
        onEvents(events);
      } catch (error) {
        pending?.catch(() => {}); // the error below is the one to report
        throw error;
      }
    }
    if (opts.signal?.aborted) {
      pending?.catch(() => {});
      break;
    }
  }
  return out;
}

const levels = new Set<string>(eventLevels);

/**
 * `readStoredEvent` with a fast path: an entry whose JSON has the fields the Timeline reads, of the right
 * types, is taken as it is; anything else goes through the bus's own schema (and becomes `event.unreadable`
 * there if it must). It reads an event about twice as fast as the schema (which also copies it), and the
 * Timeline never trusts `data` beyond optional, typed look-ups anyway.
 */
export function readTimelineEvent(id: string, raw: string): DeckEvent {
  let v: Partial<DeckEvent> | undefined;
  try {
    v = JSON.parse(raw) as Partial<DeckEvent>;
  } catch {
    return readStoredEvent(id, raw);
  }
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof v.type === 'string' &&
    v.type.length > 0 &&
    typeof v.level === 'string' &&
    levels.has(v.level) &&
    typeof v.message === 'string' &&
    typeof v.at === 'number' &&
    (v.jobId === undefined || typeof v.jobId === 'string') &&
    typeof v.source === 'object' &&
    v.source !== null
  ) {
    // Assigned rather than spread into a new object: a copy per event halves the replay's rate.
    v.id = id;
    return v as DeckEvent;
  }
  return readStoredEvent(id, raw);
}

/** A connection of its own to the bus's Redis, and the stream's key: what `readStreamWindow` needs. */
export interface StreamSource {
  conn: Redis;
  streamKey: string;
  close(): void;
}

/**
 * Connect to the Redis of `REDIS_URL` (with `INFRADECK_REDIS_PREFIX` and `INFRADECK_REDIS_CA` as the bus reads
 * them). Undefined without `REDIS_URL`. Commands fail at once while Redis is unreachable.
 */
export function openStreamSource(env: NodeJS.ProcessEnv): StreamSource | undefined {
  const settings = busSettings(env);
  if (!settings.redisUrl) return undefined;
  const target = parseRedisUrl(settings.redisUrl);
  if (settings.redisCaFile) {
    if (!target.options.tls)
      throw new Error(`a CA file (${settings.redisCaFile}) only applies to rediss:// URLs`);
    target.options.tls = {
      ...target.options.tls,
      ca: [...rootCertificates, readFileSync(settings.redisCaFile, 'utf8')],
    };
  }
  const conn = new Redis({
    ...target.options,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 1,
    connectionName: `infradeck-timeline-${process.pid}`,
  });
  conn.on('error', () => {}); // a failed command says what went wrong; the event would only repeat it
  return { conn, streamKey: deckKeys(settings.prefix).events, close: () => conn.disconnect() };
}
