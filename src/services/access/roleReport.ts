import { type AccessSubject, type Role, roleOf } from '../../domain/access';
import { AccessPolicySource } from './accessPolicy';

/**
 * The role `access.yaml` gives `who` in the workspace, for `infradeck whoami`: null without the file (everyone is
 * admin) or with a broken one (every change is refused), and a note that says which.
 */
export function roleReport(dataDir: string, who: AccessSubject): { role: Role | null; roleNote: string } {
  const state = new AccessPolicySource(dataDir).current();
  if (state.kind === 'none') return { role: null, roleNote: '(no access.yaml: everyone is admin)' };
  if (state.kind === 'broken')
    return { role: null, roleNote: `(access.yaml is broken, every change is refused: ${state.error})` };
  return { role: roleOf(state.policy, who), roleNote: `(from ${state.file})` };
}
