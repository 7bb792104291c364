import { isDeepStrictEqual } from 'node:util';
import type { DeckEvent } from '../../domain/event';
import { isFinished, type JobStatus, type JobView } from '../../domain/job';
import { withRunEnded, withRunStarted } from '../../domain/jobRuns';

/** Jobs by id, as the Jobs screen shows them. */
export type JobsById = ReadonlyMap<string, JobView>;

const statusOf: Record<string, JobStatus | undefined> = {
  'job.queued': 'queued',
  'job.started': 'active',
  'job.stalled': 'queued',
  'job.completed': 'completed',
  'job.cancelled': 'cancelled',
  'job.retried': 'queued',
  'job.released': 'queued',
  'job.waiting': 'waiting',
  'job.paused': 'paused',
  'job.sleeping': 'delayed',
  'job.resumed': 'queued',
  'job.approval': 'approval_pending',
  'job.approved': 'queued',
  'job.rejected': 'rejected',
};

/**
 * Applies a batch of events to the jobs table. Events about jobs the table does not know yet create a row
 * from what the event says, so a job queued by another console appears at once.
 */
export function applyJobEvents(jobs: JobsById, events: readonly DeckEvent[], keep?: string): JobsById {
  let next: Map<string, JobView> | undefined;
  for (const e of events) {
    if (!e.type.startsWith('job.') || !e.jobId) continue;
    next ??= new Map(jobs);
    const before = next.get(e.jobId) ?? placeholderJob(e);
    next.set(e.jobId, applyJobEvent(before, e));
  }
  return next ? boundJobs(next, keep) : jobs;
}

function applyJobEvent(job: JobView, e: DeckEvent): JobView {
  const data = (e.data ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  switch (e.type) {
    case 'job.queued':
      return {
        ...job,
        // A child's `job.queued` is sent by its parent on another connection than the child's own events: over
        // Redis a worker can take the child and say `job.started` (even `job.completed`) first. It is queued once,
        // so a later `job.queued` never takes a job that has started back to queued.
        status: job.runs?.length || job.startedAt !== undefined ? job.status : 'queued',
        maxAttempts: num(data.maxAttempts) ?? job.maxAttempts,
        ...(typeof data.parentId === 'string' ? { parentId: data.parentId } : {}),
        ...(typeof data.childKey === 'string' ? { childKey: data.childKey } : {}),
      };
    // A parent job stepped aside (for its children, a time, or a resume): its attempt goes on when it runs again.
    case 'job.waiting':
    case 'job.paused':
    case 'job.sleeping':
      return {
        ...job,
        status: statusOf[e.type]!,
        message: e.message,
        runs: withRunEnded(job.runs, { outcome: 'suspended', finishedAt: e.at }),
      };
    case 'job.resumed':
      return { ...job, status: 'queued', message: e.message };
    // Held for an approval, then approved (queued) or rejected; `approval` says why, until when, and who decided.
    case 'job.approval': {
      const why = typeof data.why === 'string' ? data.why : e.message;
      const expiresAt = num(data.expiresAt) ?? e.at;
      return {
        ...job,
        status: 'approval_pending',
        approval: { state: 'pending', why, requestedAt: e.at, expiresAt },
      };
    }
    case 'job.approved':
    case 'job.rejected': {
      const by = 'user' in e.source ? e.source : undefined;
      const reason = typeof data.reason === 'string' ? data.reason : undefined;
      const approval = job.approval && {
        ...job.approval,
        state: e.type === 'job.approved' ? ('approved' as const) : ('rejected' as const),
        ...(by ? { decidedBy: by } : {}),
        decidedAt: e.at,
        ...(reason ? { reason } : {}),
      };
      return e.type === 'job.approved'
        ? { ...job, status: 'queued', approval }
        : { ...job, status: 'rejected', finishedAt: e.at, error: e.message, approval };
    }
    case 'job.started': {
      const worker = typeof data.worker === 'string' ? data.worker : job.worker;
      const attempts = num(data.attempt) ?? job.attempts;
      const startedAt = num(data.startedAt) ?? e.at;
      // A view read from the queue after this attempt began already lists it: the event adds nothing.
      if (job.runs?.some((run) => run.startedAt === startedAt)) return job;
      return {
        ...job,
        status: 'active',
        startedAt,
        finishedAt: undefined,
        attempts,
        worker,
        runs: withRunStarted(job.runs, { attempt: attempts, startedAt, worker }),
      };
    }
    case 'job.progress':
      return {
        ...job,
        step: num(data.step) ?? job.step,
        total: num(data.total) ?? job.total,
        message: e.message,
      };
    case 'job.failed': {
      const willRetry = data.willRetry === true;
      const error = typeof data.error === 'string' ? data.error : e.message;
      return {
        ...job,
        status: willRetry ? 'delayed' : 'failed',
        error,
        ...('result' in data ? { result: data.result } : {}),
        finishedAt: willRetry ? undefined : e.at,
        runs: withRunEnded(job.runs, { outcome: 'failed', finishedAt: e.at, error }),
      };
    }
    case 'job.completed':
      return {
        ...job,
        status: 'completed',
        finishedAt: e.at,
        result: data.result,
        error: undefined,
        runs: withRunEnded(job.runs, { outcome: 'completed', finishedAt: e.at }),
      };
    case 'job.cancelled':
      return {
        ...job,
        status: 'cancelled',
        finishedAt: e.at,
        error: e.message,
        runs: withRunEnded(job.runs, { outcome: 'cancelled', finishedAt: e.at, error: e.message }),
      };
    case 'job.released':
      return {
        ...job,
        status: 'queued',
        attempts: Math.max(0, job.attempts - 1),
        runs: withRunEnded(job.runs, { outcome: 'released', finishedAt: e.at }),
      };
    case 'job.retried':
      return { ...job, status: 'queued', finishedAt: undefined, error: undefined, step: 0, total: 0 };
    case 'job.stalled':
      return {
        ...job,
        status: 'queued',
        message: e.message,
        runs: withRunEnded(job.runs, { outcome: 'lost', finishedAt: e.at }),
      };
    default:
      return job;
  }
}

/**
 * What each job does as its `job.queued` said it (`deploy shop (d-…)`), for the jobs whose payload is not read
 * yet: a job first seen through an event has no payload until the queue is read, and its `message` is soon its
 * progress (`created vpc …`), which does not say what the job is.
 */
export type JobSummaries = ReadonlyMap<string, string>;

/** The summaries after a batch of events: new ones from `job.queued`, less those of jobs read or let go. */
export function applyJobSummaries(
  summaries: JobSummaries,
  jobs: JobsById,
  events: readonly DeckEvent[],
): JobSummaries {
  let next: Map<string, string> | undefined;
  for (const e of events) {
    const summary = (e.data as { summary?: unknown } | undefined)?.summary;
    if (e.type !== 'job.queued' || !e.jobId || typeof summary !== 'string') continue;
    if (jobs.get(e.jobId)?.payload !== undefined || summaries.get(e.jobId) === summary) continue;
    next ??= new Map(summaries);
    next.set(e.jobId, summary);
  }
  return withoutReadSummaries(next ?? summaries, jobs);
}

/** Drops the summaries of jobs whose payload is read, or that the table no longer holds; the same map if none. */
export function withoutReadSummaries(summaries: JobSummaries, jobs: JobsById): JobSummaries {
  let next: Map<string, string> | undefined;
  for (const id of summaries.keys()) {
    const job = jobs.get(id);
    if (job && job.payload === undefined) continue;
    next ??= new Map(summaries);
    next.delete(id);
  }
  return next ?? summaries;
}

function placeholderJob(e: DeckEvent): JobView {
  const data = (e.data ?? {}) as Record<string, unknown>;
  return {
    id: e.jobId ?? '?',
    kind: typeof data.kind === 'string' ? data.kind : '?',
    status: statusOf[e.type] ?? 'queued',
    step: 0,
    total: 0,
    attempts: 0,
    maxAttempts: 1,
    requestedBy: 'user' in e.source ? e.source : { user: '?', host: '?' },
    createdAt: e.at,
    message: typeof data.summary === 'string' ? data.summary : undefined,
    payload: undefined,
  };
}

/**
 * Merges a fresh `list()` from the queue over what events built: the queue's view wins for the jobs it returns.
 * A view equal to the one held keeps the held object, and a list that changes nothing keeps `jobs` itself: the
 * queue is read every few seconds, and a new table on each read would draw every tab that shows jobs again.
 */
export function mergeJobList(jobs: JobsById, listed: readonly JobView[], keep?: string): JobsById {
  let next: Map<string, JobView> | undefined;
  for (const j of listed) {
    const held = jobs.get(j.id);
    if (held && isDeepStrictEqual(held, j)) continue;
    next ??= new Map(jobs);
    next.set(j.id, j);
  }
  return next ? boundJobs(next, keep) : jobs;
}

/**
 * The held jobs, not finished, that a fresh `list()` did not bring back although it brought every job of their
 * status (`counts`): they changed status, or the queue no longer has them — a schedule's pending tick that BullMQ
 * dropped when the schedule was paused or its cron rewritten, a job removed by hand. No event says such a job went:
 * the caller asks the queue for each by id, and drops those it does not have (`withoutJobs`). `keep` (the job whose
 * log is open) is never one. A status with more jobs than the list brought is left alone: asking for every
 * job past the first 500 of a backlog at each read would cost more than the stale row.
 */
export function unlistedJobs(
  jobs: JobsById,
  listed: readonly JobView[],
  counts: Partial<Record<JobStatus, number>>,
  keep?: string,
): string[] {
  const ids = new Set<string>();
  const listedOf = new Map<JobStatus, number>();
  for (const j of listed) {
    ids.add(j.id);
    listedOf.set(j.status, (listedOf.get(j.status) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const job of jobs.values()) {
    if (isFinished(job.status) || ids.has(job.id) || job.id === keep) continue;
    if ((counts[job.status] ?? 0) > (listedOf.get(job.status) ?? 0)) continue;
    out.push(job.id);
  }
  return out;
}

/** The table without `gone` (each only while it is still the view that was checked); the same map if none goes. */
export function withoutJobs(jobs: JobsById, gone: ReadonlyMap<string, JobView>): JobsById {
  let next: Map<string, JobView> | undefined;
  for (const [id, checked] of gone) {
    // An event about it since it was checked: it is not gone (the next read asks again).
    if (jobs.get(id) !== checked) continue;
    next ??= new Map(jobs);
    next.delete(id);
  }
  return next ?? jobs;
}

/** Past this many jobs the table lets go of the oldest finished ones, down to `jobsAfterPruning`. */
export const jobsKept = 5_000;
export const jobsAfterPruning = 4_000;
/** The newest finished jobs of each kind (with their children) always stay: what a tab's list reads (≤ 500). */
export const finishedKeptPerKind = 500;

/**
 * Bounds the table of a console left open for days on a busy bus: every job ever seen would stay, and each batch of
 * events copies the table. Past `jobsKept`, the oldest finished jobs go, each with its family (a parent with its
 * children: a run is never shown with some of its steps), until `jobsAfterPruning` are left. Never pruned: a family
 * with a job not finished, the newest `finishedKeptPerKind` finished jobs of each kind with their families, and the
 * family of `keep` (the job whose log is open).
 * The queue keeps them all: the Jobs tab's list and each tab's own reading bring back what they show.
 */
export function boundJobs(jobs: Map<string, JobView>, keep?: string): Map<string, JobView> {
  if (jobs.size <= jobsKept) return jobs;
  const families = new Map<string, { ids: string[]; last: number; finished: boolean; kind: string }>();
  for (const job of jobs.values()) {
    let root = job;
    for (let depth = 0; root.parentId && depth < 10; depth++) {
      const parent = jobs.get(root.parentId);
      if (!parent) break;
      root = parent;
    }
    let family = families.get(root.id);
    if (!family) {
      family = { ids: [], last: 0, finished: true, kind: root.kind };
      families.set(root.id, family);
    }
    family.ids.push(job.id);
    family.last = Math.max(family.last, job.finishedAt ?? job.startedAt ?? job.createdAt);
    if (!isFinished(job.status) || job.id === keep) family.finished = false;
  }
  const newestFirst = [...families.values()].filter((f) => f.finished).sort((a, b) => b.last - a.last);
  const seenOfKind = new Map<string, number>();
  const prunable = newestFirst.filter((f) => {
    const seen = (seenOfKind.get(f.kind) ?? 0) + 1;
    seenOfKind.set(f.kind, seen);
    return seen > finishedKeptPerKind;
  });
  let size = jobs.size;
  for (let i = prunable.length - 1; i >= 0 && size > jobsAfterPruning; i--) {
    for (const id of prunable[i].ids) jobs.delete(id);
    size -= prunable[i].ids.length;
  }
  return jobs;
}
