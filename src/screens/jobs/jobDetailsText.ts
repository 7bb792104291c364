import { fitParts } from '../../components/fitParts';
import type { LogLines } from '../../components/LogView';
import { isFinished, type JobView } from '../../domain/job';
import { formatWhen, resultLines, runLines } from '../../domain/jobText';
import { shownJobId } from '../../domain/scheduleTickId';
import type { JobSummaries } from '../../state/reducers/jobs';
import { jobWhat } from '../../state/selectors/jobs';
import { jobDuration, progressBar } from './jobColumns';

/**
 * The fixed lines above a job's output: what, state, progress, who, where, when (the last in `width`). Without the
 * job: that it is being read, or why it is not there (`missing`).
 */
export function jobHeaderLines(
  job: JobView | undefined,
  jobId: string,
  now = Date.now(),
  missing?: string,
  summaries?: JobSummaries,
  width = Number.POSITIVE_INFINITY,
): [string, string, string] {
  if (!job)
    return missing === undefined
      ? [`job ${jobId}`, 'reading the job from the queue…', '']
      : [`job ${jobId}: ${missing}`, '', ''];
  const who = `${job.requestedBy.user}@${job.requestedBy.host}`;
  const bar = progressBar(job, 16);
  // A job going on has run so long; one that ended (or waits to be tried again) took it.
  const took = job.startedAt
    ? `${job.status === 'active' ? 'running for' : 'took'} ${jobDuration(job, now)}`
    : '';
  return [
    // A schedule's tick by its schedule and time, as the list shows it: its real id (`repeat:schedule:NAME:<ms>`,
    // `y` copies it) would push the state off an 80-column line.
    `${shownJobId(job.id)}  ${job.kind}  ${job.status.toUpperCase()}${bar ? `  ${bar}` : ''}  try ${job.attempts}/${job.maxAttempts}`,
    jobWhat(job, summaries),
    // Who asked, cut in its middle when it must be (a schedule's long name); after it each value whole or not at all.
    fitParts(
      [`by ${who}`, job.worker ? `on ${job.worker}` : '', `queued ${formatWhen(job.createdAt, now)}`, took],
      width,
    ),
  ];
}

/** A line of the text under the header, with how it is drawn. */
export interface SummaryLine {
  text: string;
  kind?: 'heading' | 'error' | 'note';
}

/**
 * What follows the output: the attempts (when, how each ended), the error, the result as YAML key/value lines
 * (whole: the view wraps and scrolls sideways instead of cutting).
 */
export function jobSummaryLines(job: JobView | undefined, now = Date.now()): SummaryLine[] {
  if (!job) return [];
  const out: SummaryLine[] = [];
  const runs = job.runs ?? [];
  if (runs.length > 0) {
    out.push({ text: '' }, { text: `attempts (${runs.length})`, kind: 'heading' });
    for (const line of runLines(runs, job.maxAttempts, now)) out.push({ text: `  ${line}` });
  }
  if (job.error) {
    out.push({ text: '' }, { text: job.status === 'cancelled' ? 'cancelled' : 'error', kind: 'heading' });
    for (const line of job.error.split('\n')) out.push({ text: `  ${line}`, kind: 'error' });
  }
  if (job.result !== undefined) {
    out.push({ text: '' }, { text: 'result', kind: 'heading' });
    for (const line of resultLines(job.result)) out.push({ text: `  ${line}` });
  }
  return out;
}

/** The heading over the output: how many lines, and a word when there are none (yet, or at all). */
export function outputHeading(
  job: JobView | undefined,
  lines: number,
  dropped: number,
  /** No job will write more (it is not in the queue). */
  gone = false,
): SummaryLine {
  const finished = job ? isFinished(job.status) : gone;
  if (lines === 0) return { text: finished ? 'no output' : 'no output yet', kind: 'note' };
  const earlier = dropped > 0 ? ` (the ${dropped} before them are not kept)` : '';
  return { text: `output: ${lines === 1 ? '1 line' : `${lines} lines`}${earlier}`, kind: 'heading' };
}

/**
 * The output of a job between its heading and its summary, as one scrolling text: scrolled back, it stays on
 * the same line while new output evicts old lines (the ring's `dropped` passes through).
 */
export function jobBodyLines(
  output: LogLines,
  heading: SummaryLine,
  summary: readonly SummaryLine[],
): LogLines & { kindAt(index: number): SummaryLine['kind'] | 'output' } {
  const outputEnd = 1 + output.length;
  return {
    length: outputEnd + summary.length,
    dropped: output.dropped ?? 0,
    at: (i) => (i === 0 ? heading.text : i < outputEnd ? output.at(i - 1) : summary[i - outputEnd]?.text),
    kindAt: (i) => (i === 0 ? heading.kind : i < outputEnd ? 'output' : summary[i - outputEnd]?.kind),
  };
}
