import type { JobRun } from '../../domain/job';
import { endedWords } from '../../domain/jobText';

const errorShown = 200;

/**
 * The line a job's log gets where an attempt after the first begins, so the output of attempts that ran one after
 * another does not read as one:
 * `--- attempt #2 (try 1/2) on web-2:4242; #1 lost its worker (web-1:4100) ---`. `#N` numbers the job's runs as
 * its attempts list does; `try a/m` is the attempt as the retry policy counts it (a run taken over from a killed
 * worker or handed back by a stopping one is not a new try). None for a first run, nor for a parent going on after
 * it stepped aside for its children (the same run, resumed).
 */
export function attemptMarker(
  job: { attempt: number; maxAttempts: number },
  worker: string,
  earlierRuns: readonly JobRun[] | undefined,
): string | undefined {
  const previous = earlierRuns?.at(-1);
  if (!previous || previous.outcome === 'suspended') return undefined;
  const n = earlierRuns!.length;
  let before = `#${n} ${endedWords[previous.outcome]}`;
  if (previous.worker) before += ` (${previous.worker})`;
  if (previous.error && previous.outcome !== 'lost') {
    const error = previous.error.replace(/\s+/g, ' ').trim();
    before += `: ${error.length > errorShown ? `${error.slice(0, errorShown)}…` : error}`;
  }
  return `--- attempt #${n + 1} (try ${job.attempt}/${job.maxAttempts}) on ${worker}; ${before} ---`;
}

/**
 * Where a run numbers its output lines from. Followers (`run --wait`, the console) drop a line already seen by its
 * attempt and `seq`; a run that goes on with an attempt an earlier run had (taken over from a killed worker, handed
 * back, a parent resumed) numbers its lines past those runs', so its lines are never taken for theirs.
 */
export function firstLineSeq(attempt: number, earlierRuns: readonly JobRun[] | undefined): number {
  const same = earlierRuns?.filter((run) => run.attempt === attempt).length ?? 0;
  return same * linesPerRun;
}

/** The line numbers a run of a job has to itself: the nth run of an attempt numbers its lines from n × this. */
export const linesPerRun = 2 ** 32;
