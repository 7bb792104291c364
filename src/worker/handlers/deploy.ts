import type { Handler } from '../../services/bus/contracts';
import { deployProject, type ProjectJobDeps } from '../../services/projects/deployProject';
import { keepingScansCurrent } from './projectScanCache';

/**
 * The `deploy` job (and `resume`: the same payload queued again). Everything is in `deployProject`; the
 * handler binds the worker's cloud, data folder and read-only flag, and keeps the cached scans current with
 * what the deploy changed.
 */
export function deployHandler(deps: ProjectJobDeps): Handler<'deploy'> {
  return (payload, ctx) => keepingScansCurrent(deps, ctx, (noting) => deployProject(payload, noting, deps));
}
