import type { Handler } from '../../services/bus/contracts';
import type { ProjectJobDeps } from '../../services/projects/deployProject';
import { destroyProject } from '../../services/projects/destroyProject';
import { keepingScansCurrent } from './projectScanCache';

/**
 * The `destroy` job, and `rollback` (a destroy with `rollbackOf`: only what that deploy created). The cached
 * scans lose what it deleted.
 */
export function destroyHandler(deps: ProjectJobDeps): Handler<'destroy'> {
  return (payload, ctx) => keepingScansCurrent(deps, ctx, (noting) => destroyProject(payload, noting, deps));
}
