import { durationSetting } from '../../domain/batchDuration';
import { type BatchCounts, batchCounts, targetRan } from '../../domain/batchOutcome';
import type { BatchRunView } from '../../domain/batchRun';
import { displayWidth } from '../../domain/text';
import { progressCells } from './batchColumns';

/** One wave of a run: its number, how its targets stand, and a word for where it is. */
export interface WaveLine {
  wave: number;
  text: string;
  tone: 'ok' | 'running' | 'failed' | 'muted';
}

function stateOf(
  wave: number,
  counts: BatchCounts,
  run: BatchRunView,
  stoppedAt: number | undefined,
): WaveLine['tone'] {
  if (counts.running > 0) return 'running';
  if (stoppedAt === wave || counts.failed > 0) return 'failed';
  if (counts.pending + counts.skipped + counts.cancelled === counts.total) return 'muted';
  return run.status === 'failed' && counts.ok === 0 ? 'failed' : 'ok';
}

function wordOf(
  wave: number,
  counts: BatchCounts,
  ran: number,
  run: BatchRunView,
  stoppedAt: number | undefined,
): string {
  if (counts.running > 0) return 'running';
  if (stoppedAt === wave) return 'stopped the batch';
  // Skipped after a stop, or cancelled before it started: none of its targets ran.
  if (counts.total > 0 && counts.skipped + counts.cancelled === counts.total && ran === 0) return 'never ran';
  if (counts.cancelled > 0 && counts.ok + counts.failed === 0) return 'cancelled';
  if (counts.pending === counts.total) {
    const next = run.progress.wave + 1 === wave;
    if (!next || run.status !== 'paused') return 'pending';
    // A timed pause ends on its own: waiting for A is only what a manual one does.
    const pause = run.payload.pause;
    return pause && 'ms' in pause
      ? `next: after the ${durationSetting(pause.ms)} pause (A: now)`
      : 'next: waiting for A (advance)';
  }
  return counts.pending > 0 ? 'starting' : 'done';
}

/**
 * `wave 2  ████░░░░  50%  1 ok · 1 failed  stopped the batch`, one per wave, at most `max` lines: the waves
 * around the current one when they do not all fit. Given a `width`, a line longer than it gives up its bar, then
 * its count of targets, before the end is cut: where the wave is (`next: waiting for A (advance)`) stays whole.
 */
export function waveLines(
  run: BatchRunView,
  max: number,
  width = Number.POSITIVE_INFINITY,
): { lines: WaveLine[]; first: number; waves: number } {
  const byWave = new Map<number, BatchRunView['targets']>();
  for (const t of run.targets) byWave.set(t.wave, [...(byWave.get(t.wave) ?? []), t]);
  const waves = run.progress.waves;
  const stoppedAt = (run.job.result as { stoppedAt?: unknown } | undefined)?.stoppedAt;
  const stop = typeof stoppedAt === 'number' ? stoppedAt : undefined;
  const shown = Math.max(1, Math.min(max, waves));
  const current = Math.max(1, run.progress.wave);
  const first = Math.max(1, Math.min(current - Math.floor((shown - 1) / 2), waves - shown + 1));
  const numberWidth = String(waves).length;
  const lines: WaveLine[] = [];
  // Each line's forms, longest first: every line takes the same one, so the columns stay aligned.
  const forms: string[][] = [];
  for (let wave = first; wave < first + shown && wave <= waves; wave++) {
    const list = byWave.get(wave) ?? [];
    const counts = batchCounts(list);
    // A skipped target, or one cancelled before it started, never ran: its share of the bar stays empty.
    const done = list.filter(targetRan).length;
    const parts = [
      counts.ok ? `${counts.ok} ok` : '',
      counts.failed ? `${counts.failed} failed` : '',
      counts.running ? `${counts.running} running` : '',
      counts.skipped ? `${counts.skipped} skipped` : '',
      counts.cancelled ? `${counts.cancelled} cancelled` : '',
    ].filter(Boolean);
    const head = `wave ${String(wave).padStart(numberWidth)}`;
    const bar = progressCells(done, counts.total, 10);
    const percent = bar.slice(-4);
    const targets = `${String(counts.total).padStart(3)} target${counts.total === 1 ? ' ' : 's'}`;
    const tail = `${parts.join(' · ') || '-'}  ${wordOf(wave, counts, done, run, stop)}`;
    forms.push([
      `${head}  ${bar}  ${targets}  ${tail}`,
      `${head} ${percent}  ${targets}  ${tail}`,
      `${head} ${percent}  ${tail}`,
    ]);
    lines.push({ wave, text: '', tone: stateOf(wave, counts, run, stop) });
  }
  const form = [0, 1].find((i) => forms.every((f) => displayWidth(f[i]) <= width)) ?? 2;
  for (const [i, line] of lines.entries()) line.text = forms[i][form];
  return { lines, first, waves };
}
