import { isFinished, type JobView } from '../../domain/job';
import type { JobQueue } from '../bus/contracts';
import { readStreamWindow, type StreamSource } from './streamWindow';

export interface JobLogLines {
  lines: string[];
  /** `stream`: the `job.log` events of the Redis stream; `job history`: each job's kept output. */
  from: 'stream' | 'job history';
  /** More lines than `max` were in the window: the first `max` are kept. */
  truncated: boolean;
}

/**
 * The job output lines written in `[start, end)`. With Redis they are the `job.log` events of the stream
 * (every line, by the stream id's time). Without it they come the way `infradeck jobs ID` reads a job's
 * output: `queue.logs(id)` of the jobs alive in the window (the last 1,000 lines of each are kept), by the
 * line's own time.
 */
export async function readJobLogLines(
  source: { stream: StreamSource } | { queue: Pick<JobQueue, 'list' | 'logs'> },
  start: number,
  end: number,
  max = 200_000,
): Promise<JobLogLines> {
  const lines: string[] = [];
  let truncated = false;
  if ('stream' in source) {
    const abort = new AbortController();
    await readStreamWindow(
      source.stream.conn,
      source.stream.streamKey,
      start,
      end,
      (events) => {
        for (const e of events) {
          if (e.type !== 'job.log') continue;
          if (lines.length >= max) {
            truncated = true;
            abort.abort();
            return;
          }
          lines.push(e.message);
        }
      },
      { types: ['job.log'], signal: abort.signal },
    );
    return { lines, from: 'stream', truncated };
  }
  const views = await source.queue.list({ limit: 1_000 });
  const alive = views
    .filter((v) => overlaps(v, start, end))
    .sort((a, b) => (a.startedAt ?? a.createdAt) - (b.startedAt ?? b.createdAt));
  for (const view of alive) {
    for (const line of await source.queue.logs(view.id)) {
      if (line.at < start || line.at >= end) continue;
      if (lines.length >= max) return { lines, from: 'job history', truncated: true };
      lines.push(line.text);
    }
  }
  return { lines, from: 'job history', truncated };
}

function overlaps(v: JobView, start: number, end: number): boolean {
  const from = v.startedAt ?? v.createdAt;
  const to = v.finishedAt ?? (isFinished(v.status) ? from : Number.POSITIVE_INFINITY);
  return from < end && to >= start;
}
