import { actionLevels, type DeployPlan, describePlan, type PlanAction, type PlanActionKind } from './plan';
import { stripControl } from './text';

/** What a line of a plan is, for a screen to colour it: an action's kind, or a note about the plan. */
export type PlanLineKind = PlanActionKind | 'blocked' | 'warning' | 'note';

export interface PlanLine {
  kind: PlanLineKind;
  text: string;
}

const mark: Record<PlanActionKind, string> = { create: '+', update: '~', replace: '±', delete: '-' };

/** `12 to create, 0 unchanged (not deployed)`: the plan's heading, after whatever says where it came from. */
export function planHeadline(plan: DeployPlan): string {
  return `${describePlan(plan)} (${plan.sync})`;
}

/**
 * The plan for people, one line each, as both `infradeck plan` and the console show it: deletes first, then
 * updates, then each step of creates and replacements (same number = at the same time), then what the plan
 * noticed. `confirm` says how this interface takes a protected project's confirmation.
 */
export function planLines(plan: DeployPlan, confirm: string): PlanLine[] {
  const lines: PlanLine[] = [];
  const push = (kind: PlanLineKind, text: string) => lines.push({ kind, text: stripControl(text) });
  for (const a of plan.actions.filter((x) => x.kind === 'delete')) push('delete', `  - delete ${a.title}`);
  for (const a of plan.actions.filter((x) => x.kind === 'update')) {
    const changes = (a.changes ?? []).map((c) => `${c.field}: ${c.from} -> ${c.to}`).join(', ');
    push(
      a.blocked ? 'blocked' : 'update',
      `  ~ update ${a.title}${changes ? ` (${changes})` : ''}${a.blocked ? `: BLOCKED, ${a.blocked}` : ''}`,
    );
  }
  // A server group's title says how many it launches (`3 × c6i.large worker-a in work-a`, `…: launch 3`).
  actionLevels(plan.actions).forEach((level, i) => {
    for (const a of level) push(a.kind, `  ${i + 1}. ${mark[a.kind]} ${a.kind} ${a.title}`);
  });
  for (const v of plan.vanished)
    push(
      'warning',
      `  ! ${v.logicalId} ${v.id}: in the state file but gone${madeAgain(plan.actions, v.logicalId) ? '; created again' : ''}`,
    );
  for (const u of plan.unmanaged)
    push(
      'warning',
      `  ! ${u.type} ${u.id} carries the project tag but was not made by infradeck: left alone`,
    );
  for (const b of plan.blockers) push('blocked', `  cannot deploy: ${b}`);
  if (plan.needsConfirmation) push('note', `  protected: this deploy deletes or replaces; ${confirm}`);
  return lines;
}

/** Whether the plan makes the blueprint resource again (a vanished one dropped from the blueprint is not). */
function madeAgain(actions: readonly PlanAction[], logicalId: string): boolean {
  return actions.some((a) => a.logicalId === logicalId && (a.kind === 'create' || a.kind === 'replace'));
}
