import type { AdviceInput } from '../../domain/advice';
import type { JobView } from '../../domain/job';
import { ResourceIndex } from '../../domain/resource';
import { scheduleRows } from '../../domain/scheduleRows';
import { formatSourceError } from '../../domain/sourceError';
import type { JobQueue } from '../bus/contracts';
import { demoAccountId } from '../cloud/demoCloud';
import { readAccountCache } from '../cloud/scanCache';
import { loadSchedules } from '../scheduler/schedulesFile';
import { workspacePaths } from '../storage/workspace';

/** How many of the newest jobs the advisor reads (the failure rules look at a week at most). */
export const adviceJobLimit = 1000;

/**
 * Reads what the advisor looks at, from where the project keeps it: the scan cache of the account (as
 * `infradeck resources` reads it), the jobs of the queue (or the workspace's job history without Redis), and
 * `schedules.yaml` with the runs among those jobs. A part that cannot be read is left out with the reason.
 */
export async function gatherAdviceInput(opts: {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The account whose cache to read; undefined when it is not known (then resources are not checked). */
  account?: string;
  /** Why there is no account, when there is none. */
  accountProblem?: string;
  /** The queue, or why it could not be opened. */
  queue: JobQueue | { error: string };
  now?: number;
}): Promise<AdviceInput> {
  const now = opts.now ?? Date.now();
  const unread: string[] = [];
  const input: AdviceInput = { now, workspace: opts.dataDir, unread };

  if (opts.account) {
    const cacheDir = workspacePaths(opts.dataDir).cacheDir;
    const { scans, problems } = await readAccountCache(cacheDir, opts.account);
    for (const p of problems) unread.push(`scan cache: ${p}`);
    const index = ResourceIndex.fromScans(scans);
    input.resources = {
      account: opts.account,
      scans: index.scans,
      all: index.all,
      ...(opts.account === demoAccountId ? { demo: true } : {}),
    };
  } else {
    unread.push(`resources not checked: ${opts.accountProblem ?? 'the account is unknown'}`);
  }

  let jobs: JobView[] = [];
  if ('error' in opts.queue) {
    unread.push(`jobs and schedule runs not checked: ${opts.queue.error}`);
  } else {
    try {
      jobs = await opts.queue.list({ limit: adviceJobLimit });
      input.jobs = jobs;
    } catch (error) {
      unread.push(`jobs and schedule runs not checked: ${(error as Error).message}`);
    }
  }

  const file = await loadSchedules(opts.dataDir, opts.env);
  for (const e of file.errors) unread.push(`schedules: ${formatSourceError(e)}`);
  if (input.jobs) input.schedules = scheduleRows(file, jobs, now).rows;
  return input;
}
