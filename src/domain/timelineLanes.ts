import type { DeckEvent } from './event';
import { scheduleOfRequester } from './scheduleRequester';

/**
 * The Timeline's lanes, in the order they are drawn. `events` is a metric lane (every event, as events per
 * second); the others count what they are about and keep their events for the cursor.
 */
export const timelineLaneIds = [
  'deploys',
  'jobs',
  'errors',
  'scans',
  'commits',
  'schedules',
  'batches',
  'pipelines',
  'events',
] as const;
export type TimelineLaneId = (typeof timelineLaneIds)[number];

export const timelineLaneTitles: Record<TimelineLaneId, string> = {
  deploys: 'deploys',
  jobs: 'jobs',
  errors: 'errors',
  scans: 'scans',
  commits: 'commits',
  schedules: 'schedules',
  batches: 'batches',
  pipelines: 'pipelines',
  events: 'events/s',
};

/** Lane id -> its index in `timelineLaneIds` (the store keeps lanes in typed arrays by index). */
export const laneIndex = Object.fromEntries(timelineLaneIds.map((id, i) => [id, i])) as Record<
  TimelineLaneId,
  number
>;

export function isTimelineLaneId(id: string): id is TimelineLaneId {
  return Object.hasOwn(laneIndex, id);
}

/** A deploy (▲) or a destroy (▼) in a bucket: bit flags, so a bucket with both keeps both. */
export const markDeploy = 1;
export const markDestroy = 2;

/** One thing on one lane, as the cursor footer and `--json` show it. */
export interface TimelineEvent {
  /** Epoch ms on the timeline's clock: the stream id's time for bus events (see `timelineTime`). */
  time: number;
  lane: TimelineLaneId;
  /** The stream id of a bus event; `<repo>@<hash>` for a commit. */
  id: string;
  type: string;
  /** One line for people (may hold anything a job printed: strip before drawing). */
  what: string;
  /** The person, schedule or worker behind it; a commit's author. */
  who: string;
  jobId?: string;
  /** What a marker is about: a deploy's project. */
  subject?: string;
  failed?: boolean;
  mark?: number;
  /** What `Enter` opens: a job, a repository's commit, a resource (a `resource.changed`). */
  opens?: { job: string } | { repo: string; commit: string } | { region: string; resource: string };
}

/** A lane an event lands on, with whether it counts as a failure and its marker. */
export interface LaneHit {
  lane: number;
  failed: boolean;
  mark: number;
  /** Kept for the cursor (counted either way). */
  keep: boolean;
}

const deployKinds = new Set(['deploy', 'destroy']);
const batchKinds = new Set(['batch', 'batchTarget']);
const pipelineKinds = new Set(['pipeline', 'pipelineStep', 'ci']);

/**
 * The time an event is drawn at: the ms part of its stream id, which Redis (or the memory bus) assigns when it
 * stores the event, on one clock. `at` is taken by the publisher on its own host, and worker hosts' clocks
 * differ: ordering by `at` would draw a job's end before its start. `at` is used only for an id without a time.
 */
export function timelineTime(e: Pick<DeckEvent, 'id' | 'at'>): number {
  const dash = e.id.indexOf('-');
  if (dash > 0) {
    const ms = Number(e.id.slice(0, dash));
    if (Number.isFinite(ms) && ms > 0) return ms;
  }
  return Number.isFinite(e.at) ? e.at : 0;
}

function kindOf(e: DeckEvent): string | undefined {
  const kind = (e.data as { kind?: unknown } | undefined)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

const eventsLane = laneIndex.events;

/**
 * The lanes an event lands on (besides `events`, which counts every event). Pure and cheap: it runs for every
 * event of a 100,000 events/s stream. `out` is reused by the caller; its length is the number of hits.
 */
export function classifyEvent(e: DeckEvent, out: LaneHit[]): number {
  let n = 0;
  const hit = (lane: TimelineLaneId, failed: boolean, mark = 0, keep = true) => {
    const slot = slotAt(out, n);
    slot.lane = laneIndex[lane];
    slot.failed = failed;
    slot.mark = mark;
    slot.keep = keep;
    n++;
  };
  const type = e.type;
  if (type.startsWith('job.')) {
    // Output and progress are by far the most frequent events: they only count on the `events` lane.
    if (type === 'job.log' || type === 'job.progress') return pushEvents(out, n);
    const kind = kindOf(e);
    const failed = type === 'job.failed';
    if (type === 'job.started') hit('jobs', false);
    else if (failed) hit('jobs', true);
    if (kind && deployKinds.has(kind) && (type === 'job.queued' || failed)) {
      hit('deploys', failed, failed ? 0 : kind === 'deploy' ? markDeploy : markDestroy);
    }
    if (kind && batchKinds.has(kind) && (type === 'job.queued' || failed)) hit('batches', failed);
    if (kind && pipelineKinds.has(kind) && (type === 'job.started' || failed)) hit('pipelines', failed);
    // A tick: its job's `job.queued`, asked for by `schedule:NAME` — said by `enqueue` in-process, and over Redis
    // (where a BullMQ job scheduler makes the job) by the worker at the tick's first start: once per tick either way.
    if (type === 'job.queued' && scheduleOfRequester(requesterOf(e)) !== undefined) hit('schedules', false);
  } else if (type === 'scan.region') {
    const scan = (e.data as { scan?: { error?: unknown } } | undefined)?.scan;
    hit('scans', scan?.error !== undefined && scan?.error !== null);
  } else if (type === 'resource.changed') {
    hit('scans', false);
  } else if (type === 'schedules.problem') {
    hit('schedules', true);
  }
  if (e.level === 'error' || e.level === 'warn') hit('errors', e.level === 'error');
  return pushEvents(out, n);
}

/** The caller's reused hit at `n` (made once, then overwritten for every event). */
function slotAt(out: LaneHit[], n: number): LaneHit {
  if (!out[n]) out[n] = { lane: 0, failed: false, mark: 0, keep: false };
  return out[n];
}

function pushEvents(out: LaneHit[], n: number): number {
  const slot = slotAt(out, n);
  slot.lane = eventsLane;
  slot.failed = false;
  slot.mark = 0;
  slot.keep = false;
  return n + 1;
}

function requesterOf(e: DeckEvent): { user: string; host: string } | undefined {
  const s = e.source as { user?: unknown; host?: unknown } | undefined;
  return typeof s?.user === 'string' && typeof s.host === 'string'
    ? { user: s.user, host: s.host }
    : undefined;
}

/** `alice@ops-1`, `schedule:nightly@ops-1`, `worker ops-2:4411`. */
export function describeSource(source: DeckEvent['source'] | undefined): string {
  if (!source || typeof source !== 'object') return '';
  if ('worker' in source && typeof source.worker === 'string') return `worker ${source.worker}`;
  const r = source as { user?: unknown; host?: unknown };
  return typeof r.user === 'string' ? `${r.user}@${String(r.host ?? '')}` : '';
}

function summaryOf(e: DeckEvent): string | undefined {
  const summary = (e.data as { summary?: unknown } | undefined)?.summary;
  return typeof summary === 'string' && summary !== '' ? summary : undefined;
}

/**
 * What the footer, the `/` filter and `infradeck timeline` show for an event: a queued job's summary; a job's
 * later events (`job.started`, `job.failed`, …) with what the job does before their message
 * (`command echo web: started on vm:2 (attempt 1/1)`) once `JobSummaries` gave them its summary; else the message.
 */
export function describeEvent(e: DeckEvent): string {
  const summary = summaryOf(e);
  const kind = kindOf(e);
  if (e.type === 'job.queued' && summary) return `queued ${summary}`;
  if (!kind || !e.type.startsWith('job.')) return e.message;
  if (summary && !e.message.includes(summary))
    return `${summary.startsWith(kind) ? summary : `${kind} ${summary}`}: ${e.message}`;
  return e.message.includes(kind) ? e.message : `${kind}: ${e.message}`;
}

/** Jobs whose summary is kept for their later events: a console's worth of jobs in flight, and then some. */
const summariesKept = 20_000;

/**
 * A job's summary (what it does: `echo web`, `deploy shop (d-1)`) is said once, by its `job.queued`; its later
 * events say only what happened (`started on vm:2 (attempt 1/1)`). Whoever feeds the Timeline (the console's
 * feed, `infradeck timeline`) passes every event through `note`, which hands the later events of a job it saw
 * queued that summary (`data.summary`), so the jobs and errors lanes, the footer and `/` name what the job does.
 * `job.queued` itself stays off the jobs lane: a job is one event there (its start), never two.
 */
export class JobSummaries {
  private readonly byJob = new Map<string, string>();

  constructor(private readonly kept = summariesKept) {}

  /** `e`, or a copy of it with its job's summary; O(1), and nothing for output and progress. */
  note(e: DeckEvent): DeckEvent {
    const job = e.jobId;
    if (!job || !e.type.startsWith('job.') || e.type === 'job.log' || e.type === 'job.progress') return e;
    const said = summaryOf(e);
    if (e.type === 'job.queued') {
      if (said) this.remember(job, said);
      return e;
    }
    if (said) return e;
    const summary = this.byJob.get(job);
    if (summary === undefined) return e;
    return { ...e, data: { ...(e.data as Record<string, unknown> | undefined), summary } };
  }

  private remember(job: string, summary: string): void {
    this.byJob.delete(job);
    this.byJob.set(job, summary);
    // The oldest first: a Map iterates in insertion order.
    if (this.byJob.size > this.kept) this.byJob.delete(this.byJob.keys().next().value as string);
  }
}

/**
 * The project of a deploy or destroy job from its queued summary (`deploy shop (d-…)`, `resume deploy shop`,
 * `destroy shop`, `rollback of d-… (shop)`): the label beside its ▲/▼.
 */
export function projectOfEvent(e: DeckEvent): string | undefined {
  const summary = (e.data as { summary?: unknown } | undefined)?.summary;
  if (typeof summary !== 'string') return undefined;
  const m =
    /^(?:resume )?(?:deploy|destroy) (\S+)/.exec(summary) ?? /^rollback of \S+ \((\S+)\)$/.exec(summary);
  return m?.[1];
}

/** The resource a `resource.changed` event is about (the first change that is not a delete), if any. */
export function resourceOfEvent(e: DeckEvent): { region: string; resource: string } | undefined {
  if (e.type !== 'resource.changed') return undefined;
  const changes = (e.data as { changes?: unknown } | undefined)?.changes;
  if (!Array.isArray(changes)) return undefined;
  for (const c of changes as { kind?: unknown; region?: unknown; id?: unknown; resource?: unknown }[]) {
    const r = (c?.kind === 'upsert' ? c.resource : c?.kind === 'state' ? c : undefined) as
      | { region?: unknown; id?: unknown }
      | undefined;
    if (typeof r?.region === 'string' && typeof r.id === 'string')
      return { region: r.region, resource: r.id };
  }
  return undefined;
}

/** A commit of a repository, as the Timeline takes it (from `git log`). */
export interface TimelineCommit {
  repo: string;
  hash: string;
  /** Epoch ms (committer date: set by whoever committed, so it may be in the future or years old). */
  time: number;
  author: string;
  subject: string;
}

export function commitEvent(c: TimelineCommit): TimelineEvent {
  return {
    time: c.time,
    lane: 'commits',
    id: `${c.repo}@${c.hash}`,
    type: 'repo.commit',
    what: `${c.repo} ${c.hash} ${c.subject}`,
    who: c.author,
    opens: { repo: c.repo, commit: c.hash },
  };
}
