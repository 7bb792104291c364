import { type AdviceFinding, describeRow } from './adviceFinding';
import { describeJob, type JobLogLine, type JobView } from './job';
import { maskedText, maskSecrets } from './secretMask';
import { formatAgo, stripControl } from './text';

/**
 * The context that goes with a question to the assistant, built before anything is sent so the user sees exactly
 * what leaves the machine: what is selected on screen, the focused job and its last lines, failed jobs, error
 * events and the advisor's findings. Every line is stripped of control sequences and masked (AWS keys, tokens,
 * `*SECRET*`/`*TOKEN*`/`*KEY*` values, the process's own secret values) before it is put in.
 */

export interface ContextJob {
  id: string;
  kind: string;
  status: string;
  /** How the job reads to a person (`describeJob`). */
  what: string;
  error?: string;
  /** Epoch ms. */
  finishedAt?: number;
  /** Its last output lines, oldest first. */
  log: string[];
}

/** A job as the context shows it, with its last output lines (stderr marked `! `). */
export function contextJobOf(
  job: JobView,
  lines: readonly Pick<JobLogLine, 'stream' | 'text'>[],
): ContextJob {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    what: describeJob(job.kind, job.payload),
    ...(job.error ? { error: job.error } : {}),
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    log: lines.map((l) => (l.stream === 'stderr' ? `! ${l.text}` : l.text)),
  };
}

export interface ContextEvent {
  at: number;
  type: string;
  message: string;
  jobId?: string;
}

/** Rows selected on a screen, as its table shows them. */
export interface ContextSelection {
  /** `3 instances on the Resources tab`. */
  what: string;
  columns: string[];
  rows: string[][];
}

export interface AssistantContextInput {
  now: number;
  selection?: ContextSelection;
  focusedJob?: ContextJob;
  failedJobs?: readonly ContextJob[];
  errorEvents?: readonly ContextEvent[];
  findings?: readonly AdviceFinding[];
}

export interface ContextSection {
  title: string;
  lines: string[];
}

export interface AssistantContext {
  sections: ContextSection[];
  /** The sections as the text that is sent. */
  text: string;
  /** How many values were masked. */
  masked: number;
  /** What was left out to stay within the limits (said in the text too). */
  omitted: string[];
}

export interface ContextLimits {
  logLines: number;
  failedJobs: number;
  events: number;
  findings: number;
  selectedRows: number;
  /** A longer line is cut (a 10 MB line of output must not become the prompt). */
  lineChars: number;
}

export const defaultContextLimits: ContextLimits = {
  logLines: 20,
  failedJobs: 5,
  events: 20,
  findings: 20,
  selectedRows: 50,
  lineChars: 400,
};

export function buildAssistantContext(
  input: AssistantContextInput,
  opts: { secrets?: readonly string[]; limits?: Partial<ContextLimits> } = {},
): AssistantContext {
  const limits = { ...defaultContextLimits, ...opts.limits };
  let masked = 0;
  const clean = (text: string): string => {
    const line = stripControl(text).replace(/[\r\n]+/g, ' ');
    const out = maskSecrets(line, opts.secrets);
    masked += count(out, maskedText) - count(line, maskedText);
    return out.length > limits.lineChars ? `${out.slice(0, limits.lineChars)}… (cut)` : out;
  };
  const sections: ContextSection[] = [];
  const omitted: string[] = [];
  const capped = <T>(list: readonly T[], max: number, what: string): readonly T[] => {
    if (list.length > max) omitted.push(`${list.length - max} more ${what}`);
    return list.slice(0, max);
  };

  if (input.selection && input.selection.rows.length > 0) {
    const { what, columns, rows } = input.selection;
    sections.push({
      title: `Selected: ${clean(what)}`,
      lines: [
        clean(columns.join(' | ')),
        ...capped(rows, limits.selectedRows, 'selected rows').map((r) => clean(r.join(' | '))),
      ],
    });
  }
  const jobLines = (job: ContextJob): string[] => {
    const ago = job.finishedAt !== undefined ? `, ended ${formatAgo(input.now - job.finishedAt)}` : '';
    const lines = [
      `job ${clean(job.id)} (${clean(job.kind)}) ${clean(job.status)}${ago}: ${clean(job.what)}`,
    ];
    if (job.error) lines.push(`  error: ${clean(job.error)}`);
    const tail = job.log.slice(-limits.logLines);
    if (tail.length > 0) {
      lines.push(`  last ${tail.length} line${tail.length === 1 ? '' : 's'} of output:`);
      for (const l of tail) lines.push(`  | ${clean(l)}`);
    }
    return lines;
  };
  if (input.focusedJob) sections.push({ title: 'Focused job', lines: jobLines(input.focusedJob) });
  if (input.failedJobs && input.failedJobs.length > 0) {
    sections.push({
      title: 'Recent failed jobs',
      lines: capped(input.failedJobs, limits.failedJobs, 'failed jobs').flatMap(jobLines),
    });
  }
  if (input.errorEvents && input.errorEvents.length > 0) {
    // The newest matter most: keep the tail.
    const events = input.errorEvents.slice(-limits.events);
    if (input.errorEvents.length > events.length)
      omitted.push(`${input.errorEvents.length - events.length} older error events`);
    sections.push({
      title: 'Recent error events',
      lines: events.map(
        (e) =>
          `${new Date(e.at).toISOString()} ${clean(e.type)}${e.jobId ? ` job ${clean(e.jobId)}` : ''}: ${clean(e.message)}`,
      ),
    });
  }
  if (input.findings && input.findings.length > 0) {
    sections.push({
      title: 'Advisor findings',
      lines: capped(input.findings, limits.findings, 'findings').map(
        (f) =>
          `[${f.severity}] ${f.rule}: ${clean(f.why)} — ${clean(f.rows.slice(0, 5).map(describeRow).join(', '))}` +
          `${f.rows.length > 5 ? ` and ${f.rows.length - 5} more` : ''}`,
      ),
    });
  }
  if (omitted.length > 0) sections.push({ title: 'Left out', lines: omitted });
  const text = sections.map((s) => [`## ${s.title}`, ...s.lines].join('\n')).join('\n\n');
  return { sections, text, masked, omitted };
}

function count(text: string, word: string): number {
  return text.split(word).length - 1;
}
