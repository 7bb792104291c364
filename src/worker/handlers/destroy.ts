import type { DestroyPayload, DestroyResult } from '../../domain/projectJobs';
import type { JobContext } from '../../services/bus/contracts';
import type { ProjectJobDeps } from '../../services/projects/deployProject';
import { destroyProject } from '../../services/projects/destroyProject';

/** The `destroy` job, and `rollback` (a destroy with `rollbackOf`: only what that deploy created). */
export function destroyHandler(
  deps: ProjectJobDeps,
): (payload: DestroyPayload, ctx: JobContext) => Promise<DestroyResult> {
  return (payload, ctx) => destroyProject(payload, ctx, deps);
}
