import { isTimelineLaneId, type TimelineEvent, type TimelineLaneId } from './timelineLanes';

/** An event the operator pinned (`p`): kept in the workspace's `.cache/`, so it outlives the console. */
export interface TimelinePin {
  /** The event's id (its stream id; `<repo>@<hash>` for a commit): pinning it twice keeps one pin. */
  id: string;
  time: number;
  lane: TimelineLaneId;
  type: string;
  what: string;
  who: string;
  jobId?: string;
  opens?: TimelineEvent['opens'];
  pinnedAt: number;
}

/** Pins kept at most (the oldest pinned go first): the side list is for a few moments of an incident. */
export const maxPins = 100;

export function pinOf(e: TimelineEvent, now: number): TimelinePin {
  return {
    id: e.id,
    time: e.time,
    lane: e.lane,
    type: e.type,
    what: e.what,
    who: e.who,
    ...(e.jobId ? { jobId: e.jobId } : {}),
    ...(e.opens ? { opens: e.opens } : {}),
    pinnedAt: now,
  };
}

/** The pins with `pin` added (one per event id), in time order, at most `maxPins` (the oldest pinned dropped). */
export function addPin(pins: readonly TimelinePin[], pin: TimelinePin): TimelinePin[] {
  let next = [...pins.filter((p) => p.id !== pin.id), pin];
  if (next.length > maxPins) {
    const oldest = [...next].sort((a, b) => a.pinnedAt - b.pinnedAt).slice(0, next.length - maxPins);
    next = next.filter((p) => !oldest.includes(p));
  }
  return next.sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
}

function isOpens(v: unknown): v is TimelinePin['opens'] {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (typeof o.job === 'string') return true;
  if (typeof o.repo === 'string' && typeof o.commit === 'string') return true;
  return typeof o.region === 'string' && typeof o.resource === 'string';
}

/**
 * The pins of a pins file's JSON (`{ pins: [...] }`): each checked field by field; one that does not read is
 * counted in `skipped` (a file edited by hand, or written by another version) and the rest are kept.
 */
export function readPins(json: unknown): { pins: TimelinePin[]; skipped: number } {
  const list = (json as { pins?: unknown } | null)?.pins;
  if (!Array.isArray(list)) throw new Error('expected {"pins": [...]}');
  let pins: TimelinePin[] = [];
  let skipped = 0;
  for (const item of list) {
    const p = item as Partial<Record<keyof TimelinePin, unknown>> | null;
    if (
      p === null ||
      typeof p !== 'object' ||
      typeof p.id !== 'string' ||
      typeof p.time !== 'number' ||
      !Number.isFinite(p.time) ||
      typeof p.lane !== 'string' ||
      !isTimelineLaneId(p.lane) ||
      typeof p.type !== 'string' ||
      typeof p.what !== 'string' ||
      typeof p.who !== 'string' ||
      (p.jobId !== undefined && typeof p.jobId !== 'string') ||
      (p.opens !== undefined && !isOpens(p.opens))
    ) {
      skipped++;
      continue;
    }
    const pinnedAt = typeof p.pinnedAt === 'number' && Number.isFinite(p.pinnedAt) ? p.pinnedAt : p.time;
    pins = addPin(pins, {
      id: p.id,
      time: p.time,
      lane: p.lane,
      type: p.type,
      what: p.what,
      who: p.who,
      ...(p.jobId !== undefined ? { jobId: p.jobId as string } : {}),
      ...(p.opens !== undefined ? { opens: p.opens as TimelinePin['opens'] } : {}),
      pinnedAt,
    });
  }
  return { pins, skipped };
}
