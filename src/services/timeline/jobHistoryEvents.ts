import type { DeckEvent } from '../../domain/event';
import { isJobKind, type JobView } from '../../domain/job';
import { jobKindByName } from '../../domain/jobKinds';

/**
 * Without `REDIS_URL` there is no shared event stream: events live inside each console. What a command can
 * still see is the workspace's job history (the memory transport keeps it on disk). Each job becomes the
 * events its life produced — queued, started, and how it ended — at the times the history recorded, so the
 * lanes of jobs, deploys, schedules, batches and pipelines still draw. Ids are `<ms>-<n>` like the stream's.
 * Each carries the job's summary (`data.summary`), as `JobSummaries` gives the stream's.
 */
export function jobHistoryEvents(views: readonly JobView[]): DeckEvent[] {
  const events: DeckEvent[] = [];
  let seq = 0;
  const push = (at: number, e: Omit<DeckEvent, 'id' | 'at'>) => {
    if (Number.isFinite(at)) events.push({ id: `${Math.floor(at)}-${seq++}`, at, ...e } as DeckEvent);
  };
  for (const v of views) {
    const summary = describe(v);
    const base = { jobId: v.id, source: v.requestedBy };
    push(v.createdAt, {
      ...base,
      level: 'info',
      type: 'job.queued',
      message: `queued ${summary}`,
      data: { kind: v.kind, summary, maxAttempts: v.maxAttempts, parentId: v.parentId, childKey: v.childKey },
    });
    if (v.startedAt !== undefined) {
      push(v.startedAt, {
        ...base,
        level: 'info',
        type: 'job.started',
        message: `started ${summary}`,
        data: {
          kind: v.kind,
          summary,
          attempt: v.attempts,
          maxAttempts: v.maxAttempts,
          worker: v.worker ?? '',
        },
      });
    }
    if (v.finishedAt === undefined) continue;
    if (v.status === 'failed') {
      push(v.finishedAt, {
        ...base,
        level: 'error',
        type: 'job.failed',
        message: `failed: ${v.error ?? summary}`,
        data: {
          kind: v.kind,
          summary,
          error: v.error ?? '',
          attempt: v.attempts,
          maxAttempts: v.maxAttempts,
          willRetry: false,
        },
      });
    } else if (v.status === 'completed' || v.status === 'cancelled') {
      push(v.finishedAt, {
        ...base,
        level: v.status === 'cancelled' ? 'warn' : 'info',
        type: `job.${v.status}`,
        message: `${v.status} ${summary}`,
        data: { kind: v.kind, summary },
      });
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

function describe(v: JobView): string {
  if (!isJobKind(v.kind)) return v.kind;
  try {
    return jobKindByName[v.kind].describe((v.payload ?? {}) as never);
  } catch {
    return v.kind;
  }
}
