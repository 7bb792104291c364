import type { Handler } from '../../services/bus/contracts';
import { deployProject, type ProjectJobDeps } from '../../services/projects/deployProject';

/**
 * The `deploy` job (and `resume`: the same payload queued again). Everything is in `deployProject`; the
 * handler binds the worker's cloud, data folder and read-only flag.
 */
export function deployHandler(deps: ProjectJobDeps): Handler<'deploy'> {
  return (payload, ctx) => deployProject(payload, ctx, deps);
}
