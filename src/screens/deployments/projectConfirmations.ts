import { type DeletionPlan, planDeletion } from '../../domain/dependencyGraph';
import { destroyTargets } from '../../domain/destroyTargets';
import type { JobView } from '../../domain/job';
import { describePlan } from '../../domain/plan';
import { planLines } from '../../domain/planLines';
import type { ProjectEntry } from '../../domain/projectEntry';
import { liveStateResources } from '../../domain/projectState';
import type { Resource, ResourceIndex } from '../../domain/resource';
import { lastDeploy, resumableDeploy } from '../../state/selectors/projects';
import type { DeckActions } from '../../state/store';
import type { DeploymentRow } from './projectColumns';
import { CONFIRM_IN_CONSOLE, planSource } from './projectDetails';

function refusedReadOnly(what: string, readOnly: boolean, actions: DeckActions): boolean {
  if (readOnly) actions.ui.notify('error', `${what}: refused, infradeck runs read-only (--readonly)`);
  return readOnly;
}

/** What every ask needs besides the project: read-only refuses it, and the account it acts on is named. */
export interface AskContext {
  readOnly: boolean;
  /** `account 123456789012 (AWS profile prod)` (`accountText`). */
  account: string;
}

/** `D`: plans against the cloud now, then asks with the plan; the project's name is typed when it deletes. */
export async function askDeploy(
  name: string,
  actions: DeckActions,
  { readOnly, account }: AskContext,
): Promise<void> {
  if (refusedReadOnly(`deploy ${name}`, readOnly, actions)) return;
  const made = await actions.projects.plan(name);
  const plan = made?.plan;
  if (!made || !plan) return;
  if (plan.blockers.length > 0) {
    actions.ui.notify('error', `deploy ${name}: ${plan.blockers[0]}`);
    return;
  }
  if (plan.actions.length === 0) {
    actions.ui.notify('info', `${name} is in sync: nothing to deploy`);
    return;
  }
  actions.projects.setAwaitingApproval(name);
  actions.ui.confirm({
    title: `Deploy ${name} to ${plan.region}? ${describePlan(plan)}`,
    lines: [
      `In ${account}. Plan ${planSource(made)}; steps with the same number run at once:`,
      ...planLines(plan, CONFIRM_IN_CONSOLE).map((l) => l.text),
    ],
    typed: plan.needsConfirmation ? name : undefined,
    onYes: () => void actions.projects.deploy(name, plan.needsConfirmation ? { confirmName: name } : {}),
  });
}

const describe = (r: Resource) => `${r.type} ${r.id}${r.name ? ` (${r.name})` : ''}`;

/** The project's resources as the cloud has them now (its plan's look-up); the last scan's when it has no blueprint. */
async function resourcesNow(
  name: string,
  entry: ProjectEntry,
  index: ResourceIndex,
  actions: DeckActions,
): Promise<Resource[]> {
  const made = entry.blueprint ? await actions.projects.plan(name) : undefined;
  return made?.resources ?? index.query({ project: name });
}

/** A line per resource to delete, numbered by its level: those with the same number go at once. */
function levelLines(order: DeletionPlan, describeOne: (r: Resource) => string): string[] {
  return order.levels.flatMap((level, i) => level.map((r) => `${i + 1}. ${describeOne(r)}`));
}

/**
 * `X`: everything of the project (what carries its tag and what its state file lists) in the order it goes.
 * A protected project's name must be typed; without it the worker refuses the job as well.
 */
export async function askDestroy(
  row: DeploymentRow,
  entry: ProjectEntry,
  index: ResourceIndex,
  actions: DeckActions,
  { readOnly, account }: AskContext,
): Promise<void> {
  const { name } = row;
  if (refusedReadOnly(`destroy ${name}`, readOnly, actions)) return;
  const found = (await resourcesNow(name, entry, index, actions)).filter((r) => r.type !== 'volume');
  const foundIds = new Set(found.map((r) => r.id));
  const onlyRecorded = liveStateResources(entry.state).filter((r) => !foundIds.has(r.id));
  if (found.length === 0 && onlyRecorded.length === 0) {
    actions.ui.notify(
      'info',
      `destroy ${name}: nothing of it exists (no resource has its tag, its state file lists none)`,
    );
    return;
  }
  const order = planDeletion(found, found);
  const lines = [
    `In ${account}.`,
    `Deletes ${found.length + onlyRecorded.length} resource${found.length + onlyRecorded.length === 1 ? '' : 's'} of ${name} in ${row.region ?? '?'}, dependants first:`,
  ];
  lines.push(...levelLines(order, describe));
  for (const r of onlyRecorded) lines.push(`   ${r.type} ${r.id} (${r.logicalId}, in the state file only)`);
  for (const w of order.warnings) lines.push(`   ! ${w.message}`);
  const buckets = found.filter((r) => r.type === 'bucket').length;
  actions.projects.setAwaitingApproval(name);
  actions.ui.confirm({
    title: `Destroy ${name}? This cannot be undone.`,
    lines,
    typed: row.protected ? name : undefined,
    toggle: buckets
      ? {
          key: 'e',
          label: `also delete every object in ${buckets} bucket${buckets === 1 ? '' : 's'}; without it a non-empty bucket stays`,
        }
      : undefined,
    onYes: ({ toggle }) =>
      void actions.projects.destroy(name, {
        emptyBuckets: toggle,
        ...(row.protected ? { confirmName: name } : {}),
      }),
  });
}

/** `r`: the stopped deploy queued again with its own payload: it plans again and does what is left. */
export function askResume(
  row: DeploymentRow,
  entry: ProjectEntry,
  /** The project's deploy and destroy jobs, newest first. */
  jobs: readonly JobView[],
  actions: DeckActions,
  { readOnly, account }: AskContext,
): void {
  const { name } = row;
  if (refusedReadOnly(`resume ${name}`, readOnly, actions)) return;
  const job = resumableDeploy(jobs);
  const last = entry.state?.lastJob;
  const stopped = entry.state?.status === 'error' || entry.state?.status === 'in_progress';
  if (!job && !(jobs.length === 0 && last?.kind === 'deploy' && stopped)) {
    actions.ui.notify('warn', `resume ${name}: no stopped deploy to resume`);
    return;
  }
  const what = job
    ? `job ${job.id} ${job.status} at step ${job.step}/${job.total}${job.error ? `: ${job.error}` : ''}`
    : `job ${last?.jobId} stopped at step ${last?.step ?? 0}/${last?.total ?? '?'}${last?.error ? `: ${last.error}` : ''}`;
  actions.projects.setAwaitingApproval(name);
  actions.ui.confirm({
    title: `Resume the deploy of ${name}?`,
    lines: [
      `In ${account}.`,
      what,
      'The same blueprint snapshot and deploy id: it plans again against the state file and the cloud and ' +
        'does what is left; nothing that exists is created twice.',
    ],
    onYes: () => void actions.projects.resume(name),
  });
}

/**
 * `b`: removes what the last deploy created (and only that), listed in the order the job deletes it: the same
 * targets and the same deletion plan as the job, made from the project's resources looked up now (the last
 * scan when the blueprint is gone).
 */
export async function askRollback(
  row: DeploymentRow,
  entry: ProjectEntry,
  index: ResourceIndex,
  /** The project's deploy and destroy jobs, newest first. */
  jobs: readonly JobView[],
  actions: DeckActions,
  { readOnly, account }: AskContext,
): Promise<void> {
  const { name } = row;
  if (refusedReadOnly(`rollback ${name}`, readOnly, actions)) return;
  const job = lastDeploy(jobs);
  const payloadId = (job?.payload as { deployId?: unknown } | undefined)?.deployId;
  const last = entry.state?.lastJob;
  // As the rollback job will be made: from the job's payload, or (no job, or one seen only through its events, its
  // payload not read yet) from the state file's last deploy.
  const deployId =
    typeof payloadId === 'string'
      ? payloadId
      : job?.payload !== undefined
        ? `job-${job.id}`
        : last?.kind === 'deploy'
          ? (last.deployId ?? `job-${last.jobId}`)
          : undefined;
  if (!deployId) {
    actions.ui.notify('warn', `rollback ${name}: no deploy of ${name} is known to roll back`);
    return;
  }
  const recorded = liveStateResources(entry.state).filter((r) => r.deployId === deployId);
  const tagged = await resourcesNow(name, entry, index, actions);
  // Volumes go with their servers, as in the destroy's list.
  const targets = destroyTargets(tagged, entry.state?.resources ?? [], deployId).filter(
    (r) => r.type !== 'volume',
  );
  const order = planDeletion(targets, tagged);
  const logicalOf = new Map(recorded.map((r) => [r.id, r.logicalId]));
  // What the state file lists but the look-up did not find (gone already): the job reports it gone, deletes nothing.
  const found = new Set(tagged.map((r) => r.id));
  const describeTarget = (r: Resource) => {
    const notes = [logicalOf.get(r.id), found.has(r.id) ? undefined : 'in the state file only'].filter(
      Boolean,
    );
    return `${r.type} ${r.id}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  };
  const lines = [
    `In ${account}.`,
    `Deletes what that deploy created, dependants first (${recorded.length} resource${recorded.length === 1 ? '' : 's'} in the state file, and ` +
      'any resource tagged with that deploy; same number = at once). What earlier deploys made stays.',
  ];
  lines.push(...levelLines(order, describeTarget));
  for (const s of order.skipped) lines.push(`   kept: ${describe(s.resource)}: ${s.reason}`);
  for (const r of order.blocked) lines.push(`   not deleted: ${describe(r)}: part of a dependency cycle`);
  for (const w of order.warnings) lines.push(`   ! ${w.message}`);
  actions.projects.setAwaitingApproval(name);
  actions.ui.confirm({
    title: `Roll back deploy ${deployId} of ${name}?`,
    lines,
    typed: row.protected ? name : undefined,
    onYes: () => void actions.projects.rollback(name, row.protected ? { confirmName: name } : {}),
  });
}
