import { COLUMN_GAP, layoutColumns, measureColumns } from '../../components/columnLayout';
import { fitCell } from '../../components/fitCell';
import { type Column, Priority } from '../../components/tableModel';
import type { Blueprint } from '../../domain/blueprint';
import { desiredResources } from '../../domain/desiredResources';
import { actionLevels, type DeployPlan, describePlan, type PlanAction } from '../../domain/plan';
import type { ProjectEntry } from '../../domain/projectEntry';
import type { ProjectPlan } from '../../state/slices/projects';
import { type DeploymentRow, lastJobText, syncText } from './projectColumns';

/** `shop · staging · eu-west-1 · owner web-team@example.com · protected` */
export function blueprintSummary(bp: Blueprint): string[] {
  const net = bp.network;
  const lines = [
    `${bp.name} · ${bp.environment} · ${bp.region} · owner ${bp.owner}${bp.protected ? ' · PROTECTED (destroy asks for the name)' : ''}`,
  ];
  if (net) {
    const pub = net.subnets.filter((s) => s.public).length;
    lines.push(
      `Network: VPC ${net.vpc.cidr}, ${net.subnets.length} subnet(s)${pub ? ` (${pub} public)` : ''}` +
        `${net.internetGateway ? ', internet gateway' : ''}, ${net.securityGroups.length} security group(s)`,
    );
  } else lines.push('Network: none');
  const instances = bp.compute?.instances ?? [];
  lines.push(
    `Servers: ${instances.length ? instances.map((i) => `${i.name} ${i.count}× ${i.type}`).join(', ') : 'none'}`,
  );
  const buckets = bp.storage?.buckets ?? [];
  lines.push(`Buckets: ${buckets.length ? buckets.map((b) => b.name).join(', ') : 'none'}`);
  return lines;
}

const mark: Record<PlanAction['kind'], string> = { create: '+', update: '~', replace: '±', delete: '-' };

/** The plan, one action a line in the order the deploy runs them (same step number = at the same time). */
export function planLines(plan: DeployPlan): string[] {
  const lines: string[] = [];
  const deletes = plan.actions.filter((a) => a.kind === 'delete');
  for (const a of deletes) lines.push(`  ${mark.delete} delete ${a.title}`);
  for (const a of plan.actions.filter((x) => x.kind === 'update')) {
    const what = (a.changes ?? []).map((c) => `${c.field}: ${c.from} → ${c.to}`).join(', ');
    lines.push(
      `  ${mark.update} update ${a.title}${what ? ` (${what})` : ''}${a.blocked ? ` BLOCKED: ${a.blocked}` : ''}`,
    );
  }
  // A title says how many servers already (`3 × c6i.large worker-a in work-a`, `…: 2 more (1 running)`).
  actionLevels(plan.actions).forEach((level, i) => {
    for (const a of level) lines.push(`  ${i + 1}. ${mark[a.kind]} ${a.kind} ${a.title}`);
  });
  if (plan.actions.length === 0) lines.push('  nothing to change: what exists matches the blueprint');
  for (const b of plan.blockers) lines.push(`  ! cannot deploy: ${b}`);
  for (const v of plan.vanished)
    lines.push(`  ! ${v.logicalId} ${v.id} is in the state file but no longer exists`);
  for (const u of plan.unmanaged)
    lines.push(`  ! ${u.type} ${u.id} carries the project tag but was not made by infradeck (left alone)`);
  if (plan.needsConfirmation) lines.push('  the project is protected: deploying it asks for its name');
  return lines;
}

/** Where a plan came from, for its heading. */
export function planSource(made: ProjectPlan | undefined): string {
  if (!made) return 'against the last scan';
  if (made.loading) return 'asking the cloud…';
  const at = made.at ? new Date(made.at).toTimeString().slice(0, 8) : '';
  return made.against === 'cloud' ? `against the cloud at ${at}` : `against the last scan (${at})`;
}

/** A line of the Resources list: the blueprint's name for it, its id, its cloud state, what the state file says. */
interface ResourceLine {
  logicalId: string;
  id: string;
  state: string;
  lifecycle: string;
}

// The state and the lifecycle are never cut; the id comes whole before the logical id, which is cut in the middle
// (`bucket:infr…alytics-raw`: its kind and the end that tells two buckets apart stay).
const resourceColumns: Column<ResourceLine>[] = [
  { key: 'logical', title: '', priority: Priority.main, min: 12, cut: 'middle', value: (r) => r.logicalId },
  { key: 'id', title: '', priority: Priority.identity, min: 12, cut: 'middle', value: (r) => r.id },
  { key: 'state', title: '', priority: Priority.identity, whole: true, value: (r) => r.state },
  { key: 'lifecycle', title: '', priority: Priority.identity, whole: true, value: (r) => r.lifecycle },
];

/** Each blueprint resource with what exists of it, its cloud state and what the state file says, in `width` columns. */
export function resourceLines(
  bp: Blueprint | undefined,
  entry: ProjectEntry,
  plan: DeployPlan | undefined,
  width: number,
): string[] {
  const rows: ResourceLine[] = [];
  const recorded = new Map((entry.state?.resources ?? []).map((r) => [r.id, r]));
  const shown = new Set<string>();
  for (const d of bp ? desiredResources(bp) : []) {
    const existing = plan?.existing[d.logicalId] ?? [];
    if (existing.length === 0)
      rows.push({ logicalId: d.logicalId, id: '-', state: 'not created', lifecycle: '' });
    for (const r of existing) {
      shown.add(r.id);
      const lifecycle = recorded.get(r.id)?.lifecycle ?? 'not in state file';
      rows.push({ logicalId: d.logicalId, id: r.id, state: r.state ?? '-', lifecycle });
    }
  }
  for (const r of entry.state?.resources ?? []) {
    if (shown.has(r.id) || r.lifecycle === 'destroyed') continue;
    rows.push({
      logicalId: r.logicalId,
      id: r.id,
      state: 'not found',
      lifecycle: `${r.lifecycle} (state file)`,
    });
  }
  const indent = '  ';
  const widths = layoutColumns(resourceColumns, width - indent.length, measureColumns(rows, resourceColumns));
  return rows.map((r) => {
    const cells = resourceColumns.flatMap((c, i) =>
      widths[i] > 0 ? [fitCell(c.value(r), widths[i], 'left', c.cut)] : [],
    );
    return `${indent}${cells.join(' '.repeat(COLUMN_GAP))}`.trimEnd();
  });
}

/** Everything the details view shows above the job log. */
export function projectDetailLines(
  row: DeploymentRow,
  entry: ProjectEntry,
  made: ProjectPlan | undefined,
  now: number,
  width: number,
): string[] {
  const bp = entry.blueprint;
  const lines: string[] = bp ? blueprintSummary(bp) : [`${row.name} (no valid blueprint)`];
  lines.push(`File: ${entry.file}`);
  if (entry.stateFile) lines.push(`State: ${entry.stateFile} (${row.recorded} resource(s) recorded)`);
  lines.push(
    `Status: ${row.status} · ${row.lifecycle ?? 'never deployed'} · ${syncText(row)}${row.job || row.lastJob ? ` · last job ${lastJobText(row, now)}` : ''}`,
  );
  for (const e of row.errors) lines.push(`! ${e}`);
  // A plan asked for before the project's last job is out of date once that job ran.
  const since = row.job?.finishedAt ?? row.job?.createdAt ?? 0;
  const fresh =
    made?.plan && !made.loading && (made.at ?? 0) >= since && made.sha256 === entry.sha256 ? made : undefined;
  const plan = fresh?.plan ?? row.plan;
  if (bp) {
    const source = made?.loading ? planSource(made) : planSource(fresh);
    lines.push('', `Plan ${source}: ${plan ? `${describePlan(plan)} · ${plan.sync}` : '-'}`);
    if (fresh?.error) lines.push(`  ! ${fresh.error}`);
    if (plan) lines.push(...planLines(plan));
  }
  const resources = resourceLines(bp, entry, plan, width);
  lines.push('', `Resources (${resources.length}):`, ...(resources.length ? resources : ['  none']));
  return lines;
}
