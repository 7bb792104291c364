import { type ContextEvent, type ContextJob, contextJobOf } from '../../domain/assistantContext';
import type { JobView } from '../../domain/job';
import type { Bus } from '../bus/contracts';

/** How far back the CLI's context reaches. */
export const contextLimits = { failedJobs: 5, logLines: 20, events: 500 } as const;

/** A job view with its last output lines, as the context shows it. */
export async function contextJob(
  bus: Pick<Bus, 'queue'>,
  job: JobView,
  logLines = contextLimits.logLines,
): Promise<ContextJob> {
  return contextJobOf(job, await bus.queue.logs(job.id, { tail: logLines }).catch(() => []));
}

/**
 * What the CLI sends besides the question: the newest failed jobs with their last lines, and the error events
 * still on the bus (a console sends its selection and focused job instead). What cannot be read is a note.
 */
export async function gatherAssistantSources(
  bus: Pick<Bus, 'queue' | 'events'>,
): Promise<{ failedJobs: ContextJob[]; errorEvents: ContextEvent[]; notes: string[] }> {
  const notes: string[] = [];
  let failedJobs: ContextJob[] = [];
  try {
    const failed = await bus.queue.list({ status: 'failed', limit: contextLimits.failedJobs });
    failedJobs = await Promise.all(failed.map((j) => contextJob(bus, j)));
  } catch (error) {
    notes.push(`failed jobs not included: ${(error as Error).message}`);
  }
  let errorEvents: ContextEvent[] = [];
  try {
    errorEvents = (await bus.events.recent(contextLimits.events))
      .filter((e) => e.level === 'error')
      .map((e) => ({ at: e.at, type: e.type, message: e.message, ...(e.jobId ? { jobId: e.jobId } : {}) }));
  } catch (error) {
    notes.push(`error events not included: ${(error as Error).message}`);
  }
  return { failedJobs, errorEvents, notes };
}
