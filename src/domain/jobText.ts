import { stringify } from 'yaml';
import type { JobRun } from './job';

/** `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Local time: `14:03:07` today, `2025-06-11 14:03:07` on another day. */
export function formatWhen(ms: number, now = Date.now()): string {
  const at = new Date(ms);
  const time = at.toTimeString().slice(0, 8);
  if (at.toDateString() === new Date(now).toDateString()) return time;
  const date = `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
  return `${date} ${time}`;
}

const outcomeWords: Record<JobRun['outcome'], string> = {
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  released: 'handed back',
  lost: 'lost its worker',
  suspended: 'stepped aside',
};

/** How an attempt's end reads in a sentence about it: `#1 was handed back`, `its run was cancelled`. */
export const endedWords: Record<JobRun['outcome'], string> = {
  running: 'did not end',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'was cancelled',
  released: 'was handed back',
  lost: 'lost its worker',
  suspended: 'stepped aside',
};

/**
 * One line per attempt, oldest first:
 * `#2  try 2/3  14:03:07  failed after 1.2s  on web-1:4242  sh exited with code 3`.
 */
export function runLines(runs: readonly JobRun[], maxAttempts: number, now = Date.now()): string[] {
  return runs.map((run, i) => {
    const took =
      run.finishedAt !== undefined
        ? ` ${run.outcome === 'completed' ? 'in' : 'after'} ${formatDuration(run.finishedAt - run.startedAt)}`
        : run.outcome === 'running'
          ? ` for ${formatDuration(now - run.startedAt)}`
          : '';
    const parts = [
      `#${i + 1}`,
      `try ${run.attempt}/${maxAttempts}`,
      formatWhen(run.startedAt, now),
      `${outcomeWords[run.outcome]}${took}`,
    ];
    if (run.worker) parts.push(`on ${run.worker}`);
    if (run.error) parts.push(run.error);
    return parts.join('  ');
  });
}

/**
 * A job's result as YAML key/value lines, whole (never cut: the view scrolls and wraps); a scalar result is one
 * line. Lines keep their indentation; nothing is folded.
 */
export function resultLines(result: unknown): string[] {
  if (result === undefined) return [];
  if (result === null || typeof result !== 'object') return [String(result)];
  const text = stringify(result, {
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
  }).trimEnd();
  return text === '{}' || text === '[]' ? [text] : text.split('\n');
}
