import type { JobView, Requester } from './job';
import { formatAgo } from './text';

const minuteMs = 60_000;

/** One scan a minute per account and profile: every press of `s` and every console within the minute share it. */
export function scanKey(account: string, profile: string | undefined, at: number): string {
  return `scan:${account}:${profile ?? ''}:${Math.floor(at / minuteMs)}`;
}

/**
 * Whether the scan the queue answered with was there before this request (asked at `at` by `by`): another
 * console's (the queue stamps it with that host's clock, which may run ahead of ours), or one older than the press.
 */
export function isEarlierScan(job: Pick<JobView, 'createdAt' | 'requestedBy'>, at: number, by: Requester) {
  return job.requestedBy.host !== by.host || job.createdAt < at;
}

/** What a scan asked for earlier in the minute is doing: `started 20 s ago`, `done just now`, `failed 2 s ago`. */
function scanState(job: JobView, at: number): string {
  const ago = (t: number | undefined) => formatAgo(at - (t ?? job.createdAt));
  switch (job.status) {
    case 'active':
      return `started ${ago(job.startedAt)}`;
    case 'completed':
      return `done ${ago(job.finishedAt)}`;
    case 'failed':
    case 'cancelled':
    case 'rejected':
      return `${job.status} ${ago(job.finishedAt)}`;
    default:
      return `queued ${ago(job.createdAt)}`;
  }
}

/**
 * What `s` says when it joined a scan asked for earlier in the minute instead of starting one:
 * `scan: joined job idem-4f2a9c01b3, started 20 s ago; s scans again in 40 s`.
 */
export function joinedScanNote(job: JobView, at: number): string {
  const again = Math.ceil((minuteMs - (at % minuteMs)) / 1000);
  return `scan: joined job ${job.id}, ${scanState(job, at)}; s scans again in ${again} s`;
}
