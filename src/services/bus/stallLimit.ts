import type { JobRun } from '../../domain/job';

/**
 * What BullMQ writes as the failure of a job whose worker died more often than `maxStalledCount` allows (the next
 * worker to take it fails it without running it). Its words are BullMQ's, not an operator's.
 */
export const stallLimitReason = 'job stalled more than allowable limit';

export function isStallLimit(reason: string | undefined): boolean {
  return reason === stallLimitReason;
}

/** `its worker died while it ran, 2 times (last web-1:4242): not started again, in case …`. */
export function stallLimitError(runs: readonly JobRun[] | undefined): string {
  const lost = (runs ?? []).filter((run) => run.outcome === 'lost' || run.outcome === 'running');
  const last = lost.at(-1)?.worker;
  const times = lost.length > 1 ? `, ${lost.length} times` : '';
  return `its worker died while it ran${times}${last ? ` (last ${last})` : ''}: not started again, in case the job is what kills its workers`;
}
