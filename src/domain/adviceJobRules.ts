import {
  type AdviceFinding,
  type AdviceThresholds,
  type SuggestedJob,
  suggest,
  suggestCommand,
} from './adviceFinding';
import { describeJob, isJobKind, type JobView } from './job';
import type { ScheduleRow } from './scheduleRows';
import { stripControl } from './text';

/** The advice rules over jobs and schedules, pure: job views and schedule rows in, findings out. */

/**
 * An error with what changes from one failure to the next taken out (numbers, ids, times), so "exit 1 after
 * 3.2 s" and "exit 1 after 4.1 s" read as one error.
 */
export function errorShape(error: string): string {
  return stripControl(error)
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+(?:\.\d+)?/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/**
 * The same job (kind and what it does) failing with the same error at least `repeatedFailures` times in the
 * window. Runs of a schedule are left to `failingSchedules`, children to their parent's failure.
 */
export function repeatedFailures(
  jobs: readonly JobView[],
  now: number,
  t: AdviceThresholds,
): AdviceFinding[] {
  const groups = new Map<string, JobView[]>();
  for (const job of jobs) {
    if (job.status !== 'failed' || job.schedule || job.parentId) continue;
    if (now - (job.finishedAt ?? job.createdAt) > t.failureWindowMs) continue;
    const key = `${job.kind}\u0000${describeJob(job.kind, job.payload)}\u0000${errorShape(job.error ?? '')}`;
    const list = groups.get(key) ?? [];
    list.push(job);
    groups.set(key, list);
  }
  const findings: AdviceFinding[] = [];
  for (const list of groups.values()) {
    if (list.length < t.repeatedFailures) continue;
    list.sort((a, b) => (b.finishedAt ?? b.createdAt) - (a.finishedAt ?? a.createdAt));
    const [newest] = list;
    const what = stripControl(describeJob(newest.kind, newest.payload));
    const again = sameJob(newest);
    findings.push({
      rule: 'repeated-job-failure',
      severity: 'medium',
      why: `\`${what}\` failed ${list.length} times with the same error: ${stripControl(newest.error ?? 'no error given')}`,
      rows: list.map((j) => ({ type: 'job', id: j.id, name: newest.kind })),
      ...(again ? { suggestion: again } : {}),
    });
  }
  return findings;
}

/** The job once more, as a spec: what to run after fixing the cause (its last log says what that is). */
function sameJob(job: JobView): SuggestedJob | undefined {
  if (!isJobKind(job.kind) || typeof job.payload !== 'object' || job.payload === null) return undefined;
  return suggest(
    job.kind,
    job.payload as Record<string, unknown>,
    `the same job again, once the cause is fixed (its output: infradeck jobs ${job.id})`,
  );
}

/**
 * Enabled schedules whose last `scheduleFailures` runs (skipped and missed ticks aside) all failed. The suggestion
 * pauses the schedule, so it stops failing every tick while the cause is found.
 */
export function failingSchedules(
  rows: readonly ScheduleRow[],
  t: AdviceThresholds,
  workspace?: string,
): AdviceFinding[] {
  const findings: AdviceFinding[] = [];
  for (const { schedule, runs } of rows) {
    if (!schedule.enabled) continue;
    const ended = runs.filter(
      (r) => r.outcome === 'completed' || r.outcome === 'failed' || r.outcome === 'cancelled',
    );
    const last = ended.slice(0, t.scheduleFailures);
    if (last.length < t.scheduleFailures || last.some((r) => r.outcome !== 'failed')) continue;
    let streak = 0;
    while (streak < ended.length && ended[streak].outcome === 'failed') streak++;
    findings.push({
      rule: 'failing-schedule',
      severity: 'medium',
      why:
        `schedule ${schedule.name} (${schedule.cron}) failed its last ${streak} run${streak === 1 ? '' : 's'}` +
        `${streak === ended.length ? ' (every run it has)' : ''}: \`${stripControl(describeJob(schedule.job.kind, schedule.job.payload))}\``,
      rows: [{ type: 'schedule', id: schedule.name }, ...last.map((r) => ({ type: 'job', id: r.jobId }))],
      suggestion: suggestCommand(
        ['infradeck', ...(workspace ? ['--data', workspace] : []), 'schedule', 'disable', schedule.name],
        `pauses it while the cause is found (\`infradeck schedule enable ${schedule.name}\` resumes it)`,
      ),
    });
  }
  return findings;
}
