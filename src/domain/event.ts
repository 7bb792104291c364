import * as z from 'zod';
import { type JobLogLine, type Requester, requesterSchema } from './job';
import type { JobKindEventData } from './jobKinds';

export const eventLevels = ['info', 'warn', 'error'] as const;
export type EventLevel = (typeof eventLevels)[number];

/** Who caused an event: a person (via the console or a command) or a worker process (`host:pid`). */
export type EventSource = Requester | { worker: string };

/**
 * Everything that happened, on one ordered stream.
 *
 * - `id`: the stream id, `<ms>-<seq>` exactly like a Redis stream id (the memory transport makes the same
 *   shape). Ordered: compare with `compareEventIds`, never as plain strings. Unique per stream.
 * - `at`: epoch ms when it happened (taken by the publisher; may differ slightly from the id's ms).
 * - `type`: dotted, `<area>.<what>`; the known ones are in `EventData` with the shape of their `data`.
 * - `jobId`: set on every `job.*` event.
 * - `message`: one line for people (for `job.log` it is the output line itself, unsanitized: the screen strips
 *   control sequences).
 */
export interface DeckEvent<T extends string = string> {
  id: string;
  at: number;
  level: EventLevel;
  type: T;
  jobId?: string;
  source: EventSource;
  message: string;
  data?: T extends keyof EventData ? EventData[T] : unknown;
}

/** What a publisher hands in: the bus assigns `id` (and `at` when missing). */
export type NewEvent = Omit<DeckEvent, 'id' | 'at'> & { at?: number };

/**
 * `data` of the event types this version writes: the bus's own, then those the job kinds declare. Readers must
 * tolerate missing fields (other versions).
 */
export type EventData = BusEventData & JobKindEventData;

/** What the bus itself writes about jobs and workers, whatever their kind. */
export interface BusEventData {
  /** `parentId`, `childKey`: a parent job's child (a batch's target, a pipeline's step). */
  'job.queued': { kind: string; summary: string; maxAttempts: number; parentId?: string; childKey?: string };
  'job.started': { kind: string; attempt: number; maxAttempts: number; worker: string };
  'job.progress': { step: number; total: number };
  'job.log': Omit<JobLogLine, 'text' | 'at'>;
  /** A worker lost a job (it died or lost its lock); the job goes back to the queue. */
  'job.stalled': { worker: string };
  'job.completed': { kind: string; result: unknown; durationMs: number; attempt: number };
  /** `result`: what a handler that threw a `JobFailure` still had to show (a target's exit code). */
  'job.failed': {
    kind: string;
    error: string;
    attempt: number;
    maxAttempts: number;
    willRetry: boolean;
    result?: unknown;
  };
  'job.cancelled': { kind: string; by?: Requester };
  /** A finished job was put back in the queue by someone. */
  'job.retried': { kind: string; by: Requester };
  'worker.online': { worker: string; concurrency: number };
  /** `lost`: its heartbeat stopped (killed, host gone); noticed by another worker. */
  'worker.offline': { worker: string; reason: 'stopped' | 'lost' };
  /** An entry on the stream that this version cannot read (written by another version or by hand). */
  'event.unreadable': { raw: string };
}

export type KnownEventType = keyof EventData;

const idPattern = /^(\d+)-(\d+)$/;

export function isEventId(id: string): boolean {
  return idPattern.test(id);
}

/** Order of two stream ids (`<ms>-<seq>`): negative, 0 or positive. */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = splitId(a);
  const [bm, bs] = splitId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The id just before the first event at or after `ms`: subscribe from it to replay everything since then. */
export function eventIdAt(ms: number): string {
  return `${Math.max(0, Math.floor(ms) - 1)}-${Number.MAX_SAFE_INTEGER}`;
}

function splitId(id: string): [bigint, bigint] {
  const m = idPattern.exec(id);
  if (!m) return [0n, 0n];
  return [BigInt(m[1]), BigInt(m[2])];
}

export const eventSourceSchema = z.union([z.object({ worker: z.string() }), requesterSchema]);

/** Schema of an event as stored (without its id, which is the stream's). Lenient about `data`. */
export const storedEventSchema = z.object({
  at: z.number(),
  level: z.enum(eventLevels),
  type: z.string().min(1),
  jobId: z.string().optional(),
  source: eventSourceSchema,
  message: z.string(),
  data: z.unknown().optional(),
});

/**
 * Read a stored event; an entry this version cannot read becomes an `event.unreadable` warning at the same id,
 * so the stream keeps its order and nothing is silently skipped.
 */
export function readStoredEvent(id: string, raw: string): DeckEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const checked = storedEventSchema.safeParse(parsed);
  if (checked.success) return { id, ...checked.data } as DeckEvent;
  return {
    id,
    at: Number(id.split('-')[0]) || 0,
    level: 'warn',
    type: 'event.unreadable',
    source: { worker: 'bus' },
    message: `unreadable event ${id} on the stream (another version of infradeck?)`,
    data: { raw: raw.slice(0, 500) },
  };
}

export function isJobEvent(e: DeckEvent): e is DeckEvent & { jobId: string } {
  return e.type.startsWith('job.') && typeof e.jobId === 'string';
}
