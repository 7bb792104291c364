import { COLUMN_GAP, layoutColumns, measureColumns } from '../../components/columnLayout';
import { fitCell } from '../../components/fitCell';
import { type Column, Priority } from '../../components/tableModel';
import type { Blueprint } from '../../domain/blueprint';
import { desiredResources } from '../../domain/desiredResources';
import type { DeployPlan } from '../../domain/plan';
import { type PlanLineKind, planHeadline, planLines } from '../../domain/planLines';
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
      `Network: VPC ${net.vpc.cidr}, ${net.subnets.length} subnet${net.subnets.length === 1 ? '' : 's'}${pub ? ` (${pub} public)` : ''}` +
        `${net.internetGateway ? ', internet gateway' : ''}, ${net.securityGroups.length} security group${net.securityGroups.length === 1 ? '' : 's'}`,
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

/** How a protected project's deploy is confirmed in the console (the plan's last line says it). */
export const CONFIRM_IN_CONSOLE = "confirm by typing the project's name";

/** A line of the details view; a plan's line keeps its kind, for its colour. */
export interface DetailLine {
  text: string;
  kind?: PlanLineKind;
}

/** Everything the details view shows above the job log. */
export function projectDetailLines(
  row: DeploymentRow,
  entry: ProjectEntry,
  made: ProjectPlan | undefined,
  now: number,
  width: number,
): DetailLine[] {
  const bp = entry.blueprint;
  const text: string[] = bp ? blueprintSummary(bp) : [`${row.name} (no valid blueprint)`];
  text.push(`File: ${entry.file}`);
  // The state file's place is known before any deploy writes it: say which it is.
  if (entry.state)
    text.push(
      `State: ${entry.stateFile} (${row.recorded} resource${row.recorded === 1 ? '' : 's'} recorded)`,
    );
  else if (entry.stateErrors.length > 0) text.push(`State: ${entry.stateFile} (not readable, see below)`);
  else if (entry.stateFile) text.push(`State: none yet (a deploy writes ${entry.stateFile})`);
  text.push(
    `Status: ${row.status} · ${row.lifecycle ?? 'never deployed'} · ${syncText(row)}${row.job || row.lastJob ? ` · last job ${lastJobText(row, now)}` : ''}`,
  );
  for (const e of row.errors) text.push(`! ${e}`);
  // A plan asked for before the project's last job is out of date once that job ran.
  const since = row.job?.finishedAt ?? row.job?.createdAt ?? 0;
  const fresh =
    made?.plan && !made.loading && (made.at ?? 0) >= since && made.sha256 === entry.sha256 ? made : undefined;
  const plan = fresh?.plan ?? row.plan;
  const lines: DetailLine[] = text.map((t) => ({ text: t }));
  if (bp) {
    const source = made?.loading ? planSource(made) : planSource(fresh);
    lines.push({ text: '' }, { text: `Plan ${source}: ${plan ? planHeadline(plan) : '-'}` });
    if (fresh?.error) lines.push({ text: `  ! ${fresh.error}` });
    if (plan) lines.push(...planLines(plan, CONFIRM_IN_CONSOLE));
  }
  const resources = resourceLines(bp, entry, plan, width);
  lines.push(
    { text: '' },
    { text: `Resources (${resources.length}):` },
    ...(resources.length ? resources : ['  none']).map((t) => ({ text: t })),
  );
  return lines;
}
