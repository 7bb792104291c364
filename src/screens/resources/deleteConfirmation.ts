import { planDeletion } from '../../domain/dependencyGraph';
import type { Resource } from '../../domain/resource';
import { stripControl } from '../../domain/text';
import { accountText, type CloudInfo } from '../../state/services/cloud';
import type { Confirmation } from '../../state/slices/ui';
import type { DeckActions } from '../../state/store';
import { nameText, typeLabel } from './resourceColumns';

// One line each, whatever a scan recorded (a control character or a line break in a name).
const describe = (r: Resource) =>
  stripControl(`${typeLabel[r.type]} ${r.id}${nameText(r) ? ` (${nameText(r)})` : ''} ${r.region}`);

/**
 * The typed confirmation of a delete: everything that will go, in the order it will go, what is left behind
 * and why, and a word to type (the project's name when all of it is one project, else the count).
 */
export function deleteConfirmation(
  selected: Resource[],
  known: readonly Resource[],
  actions: DeckActions,
  cloud: CloudInfo | undefined,
): Confirmation {
  const plan = planDeletion(selected, known);
  const projects = new Set(selected.map((r) => r.project));
  const onlyProject = projects.size === 1 ? [...projects][0] : undefined;
  const typed = onlyProject ?? String(selected.length);
  const buckets = selected.filter((r) => r.type === 'bucket');
  const lines: string[] = [];
  plan.levels.forEach((level, i) => {
    for (const r of level) lines.push(`${i + 1}. ${describe(r)}`);
  });
  for (const s of plan.skipped) lines.push(`   kept: ${describe(s.resource)}: ${s.reason}`);
  for (const b of plan.blocked) lines.push(`   not deleted: ${describe(b)}: part of a dependency cycle`);
  for (const w of plan.warnings) lines.push(`   ! ${w.message}`);
  const owners = [...projects].map((p) => p ?? '(no project tag)').join(', ');
  lines.unshift(
    `In ${accountText(cloud)} · projects: ${owners}. Deleted in this order (same number = in parallel):`,
  );
  return {
    title: `Delete ${selected.length} resource${selected.length === 1 ? '' : 's'}? This cannot be undone.`,
    lines,
    typed,
    toggle: buckets.length
      ? {
          key: 'e',
          label: `also delete every object in ${buckets.length} bucket${buckets.length === 1 ? '' : 's'}; without it a non-empty bucket stays`,
        }
      : undefined,
    onYes: ({ toggle }) => void actions.cloud.terminate(selected, typed, toggle),
  };
}
