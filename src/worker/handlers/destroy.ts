import type { Handler } from '../../services/bus/contracts';
import type { ProjectJobDeps } from '../../services/projects/deployProject';
import { destroyProject } from '../../services/projects/destroyProject';

/** The `destroy` job, and `rollback` (a destroy with `rollbackOf`: only what that deploy created). */
export function destroyHandler(deps: ProjectJobDeps): Handler<'destroy'> {
  return (payload, ctx) => destroyProject(payload, ctx, deps);
}
