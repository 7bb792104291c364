import type { JobLogLine } from '../../domain/job';
import { linesPerRun } from '../../services/bus/attemptMarker';
import type { JobContext } from '../../services/bus/contracts';

/**
 * What a job's earlier runs printed (a worker killed, a failed attempt), read from its log as a run after the first
 * begins, so what the job reports covers all its attempts (`ctx.flow.output`). Unreadable: nothing, and the job goes
 * on.
 */
export async function earlierOutput(ctx: JobContext): Promise<JobLogLine[]> {
  try {
    return await ctx.flow.output();
  } catch {
    return [];
  }
}

/**
 * Output lines (stdout and stderr) among `lines`. A run whose first lines the log no longer keeps (it keeps the last
 * ones) counts them by its lines' numbers, which start at the run's first line (`firstLineSeq`).
 */
export function outputLineCount(lines: readonly JobLogLine[]): number {
  const runs = new Map<string, { first: number; base: number; output: number }>();
  for (const line of lines) {
    const block = Math.floor(line.seq / linesPerRun);
    const key = `${line.attempt}:${block}`;
    const run = runs.get(key) ?? { first: line.seq, base: block * linesPerRun, output: 0 };
    run.first = Math.min(run.first, line.seq);
    if (line.stream !== 'info') run.output++;
    runs.set(key, run);
  }
  let total = 0;
  for (const run of runs.values()) total += run.output + (run.first - run.base);
  return total;
}
