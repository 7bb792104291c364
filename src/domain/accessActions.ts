import { type AccessState, atLeast, type Role } from './access';
import { canChange, type JobKind } from './job';

/**
 * The job each console action asks for (a kind), or `change` for one that changes what runs without queuing a kind
 * of its own (a retry, a cancel, a schedule switched on). Actions not listed only read. One table for every screen:
 * the key hints, `?` and the key gate ask it through `actionAccess`.
 */
export const actionJobKinds: Readonly<Record<string, JobKind | 'change'>> = {
  'project.deploy': 'deploy',
  'project.resume': 'deploy',
  'project.destroy': 'destroy',
  'project.rollback': 'destroy',
  'resource.delete': 'terminate',
  'resource.scan': 'scan',
  'server.start': 'instances',
  'server.stop': 'instances',
  'server.reboot': 'instances',
  'batch.start': 'batch',
  'batch.retry': 'batch',
  'batch.advance': 'batch',
  'batch.cancel': 'change',
  'pipeline.trigger': 'pipeline',
  'pipeline.rerun': 'pipeline',
  'pipeline.cancel': 'change',
  'schedule.runNow': 'change',
  'schedule.toggle': 'change',
  'ai.new': 'experimentRun',
  'ai.retry': 'experimentRun',
  'ai.cancel': 'change',
  'job.retry': 'change',
  'job.cancel': 'change',
};

/**
 * Whether a person with `role` may take the action, and if not, why in a few words (`needs operator (you are
 * viewer)`). Protected projects are not known here (the action has no row): their changes go to an approval or are
 * refused where the job is queued.
 */
export function actionAccess(
  actionId: string,
  state: AccessState | undefined,
  role: Role,
): { ok: true } | { ok: false; why: string } {
  const kind = actionJobKinds[actionId];
  if (!kind || !state || state.kind === 'none') return { ok: true };
  const changes = kind === 'change' || canChange(kind);
  if (!changes) return { ok: true };
  if (state.kind === 'broken') return { ok: false, why: 'access.yaml is broken: every change is refused' };
  return atLeast(role, 'operator') ? { ok: true } : { ok: false, why: `needs operator (you are ${role})` };
}
