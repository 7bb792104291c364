import type { JobView } from '../../domain/job';
import type { JobsById } from '../reducers/jobs';

export function jobsNewestFirst(jobs: JobsById): JobView[] {
  return [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
}
