import { useMemo, useRef } from 'react';
import { fitParts } from '../../components/fitParts';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { parseResourceType, type Resource, resourceKey } from '../../domain/resource';
import { displayWidth } from '../../domain/text';
import { accountText } from '../../state/services/cloud';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { copyAction } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { PaletteCommand } from '../../ui/paletteCommand';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { slowClockMs, useClock } from '../../ui/useClock';
import { TextDetails } from '../TextDetails';
import { deleteConfirmation } from './deleteConfirmation';
import { ResourceDescribeView } from './ResourceDescribeView';
import { ResourceDetailsView } from './ResourceDetailsView';
import { resourceColumns, typeLabel } from './resourceColumns';
import { parseResourceView, resourceAt, resourceViewEntry } from './resourceDetails';
import { resourceOrder } from './resourceOrder';
import { scanFreshness } from './scanFreshness';

/** Another type or project (`:subnet`, `p`) is another list: it starts at its top, the cursor on its first row. */
/**
 * What `:power` will touch by the last scan: `3 running instances of web to stop (eu-central-1: 2, us-east-1: 1)`.
 * The job reads the cloud again and acts on what it finds then.
 */
export function powerCount(instances: readonly Resource[], project: string, on: boolean): string {
  const from = on ? 'stopped' : 'running';
  const touched = instances.filter((r) => r.project === project && r.state === from);
  const regions = new Map<string, number>();
  for (const r of touched) regions.set(r.region, (regions.get(r.region) ?? 0) + 1);
  const where = [...regions].map(([region, n]) => `${region}: ${n}`).join(', ');
  const verb = on ? 'start' : 'stop';
  if (touched.length === 0)
    return `The last scan shows no ${from} instance of ${project}: nothing to ${verb} unless one ${on ? 'stopped' : 'started'} since.`;
  return `The last scan shows ${touched.length} ${from} instance${touched.length === 1 ? '' : 's'} of ${project} to ${verb} (${where}).`;
}

function ResourcesScreen(props: ScreenProps) {
  const view = useDeck((s) => s.cloud.view);
  return <ResourcesOfView key={`${view.type ?? ''} ${view.project ?? ''}`} {...props} />;
}

function ResourcesOfView({ width, height, active }: ScreenProps) {
  // The header's "scanned 3 min ago" counts up while the tab is shown.
  const now = useClock(active, slowClockMs);
  const { theme, config } = useDeckContext();
  const actions = useActions();
  const cloud = useDeck((s) => s.cloud);
  const filterText = useDeck((s) => s.ui.filters.resources ?? '');
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const { index, view, info } = cloud;
  const rows = useMemo(
    () => resourceOrder(index.query({ type: view.type, project: view.project })),
    [index, view],
  );
  const columns = useMemo(() => resourceColumns(Date.now, view.type), [view.type]);
  const tableHeight = height - 1;
  // The first scan fills the table region by region as they answer, not in the table's order: the cursor stays
  // on the top row meanwhile.
  const table = useTable({
    rows,
    columns,
    rowKey: resourceKey,
    filterText,
    height: tableHeight,
    topUntilMoved: true,
  });
  const copy = useCopy();
  // Details and describe views stack up in the store (the Dashboard opens them too); Esc closes the top one.
  const views = useDeck((s) => s.ui.views.resources);
  const entry = views?.[views.length - 1];
  const open = parseResourceView(entry);
  const openResource = open ? resourceAt(index, open.key) : undefined;
  // Where the cursor was in each details view of the stack, so Esc comes back to the same line.
  const cursors = useRef(new Map<string, string>());

  const loading = loadingWhile(cloud.opening, rows, 'the cloud');
  useListKeys(
    { scope: 'resources', loading },
    (press) => {
      const action = press.action(['resources', 'table']);
      const selected: Resource[] = table.selectedRows.length
        ? [...table.selectedRows]
        : table.cursorRow
          ? [table.cursorRow]
          : [];
      if (action === 'resource.details' && table.cursorRow)
        actions.ui.openView(
          'resources',
          resourceViewEntry({ kind: 'details', key: resourceKey(table.cursorRow) }),
        );
      else if (action === 'clipboard.copy') copy(table.cursorRow?.id);
      else if (action === 'resource.scan') void actions.cloud.scan();
      else if (action === 'resource.delete' && selected.length) {
        // Read-only refuses at once, as D and X do on Deployments: no word to type for a delete that cannot happen.
        if (readOnly) void actions.cloud.terminate(selected, '', false);
        else actions.ui.confirm(deleteConfirmation(selected, index.all, actions, info));
      } else if (action === 'resource.project') {
        const projects = [undefined, ...index.projects()];
        const next = projects[(projects.indexOf(view.project) + 1) % projects.length];
        actions.cloud.setView({ ...view, project: next });
      } else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !open,
  );

  if (open && entry) {
    const back = () => {
      cursors.current.delete(entry);
      actions.ui.closeView('resources');
    };
    if (!openResource)
      return (
        <TextDetails
          lines={[`${open.key} is not in the index any more (deleted, or gone from the last scan).`]}
          width={width}
          height={height}
          active={active}
          onBack={back}
        />
      );
    if (open.kind === 'describe')
      return (
        <ResourceDescribeView
          key={entry}
          resource={openResource}
          width={width}
          height={height}
          active={active}
          onBack={back}
        />
      );
    return (
      <ResourceDetailsView
        key={entry}
        resource={openResource}
        index={index}
        width={width}
        height={height}
        active={active}
        cursorKey={cursors.current.get(entry)}
        onCursor={(line) => cursors.current.set(entry, line)}
        onOpen={(r) =>
          actions.ui.openView('resources', resourceViewEntry({ kind: 'details', key: resourceKey(r) }))
        }
        onDescribe={(r) =>
          actions.ui.openView('resources', resourceViewEntry({ kind: 'describe', key: resourceKey(r) }))
        }
        onBack={back}
      />
    );
  }

  const account = info ? `${info.label}${info.account ? ` ${info.account}` : ''}` : '';
  const scope = [
    view.type ? `:${typeLabel[view.type]}` : 'all types',
    view.project ? `project ${view.project}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  // While the cloud opens, `0 resources` would be false: the scans' part says `opening the cloud…`.
  const count = loading === undefined ? shownCount(table.view.length, rows.length, 'resource') : '';
  const fresh = scanFreshness(cloud.index.scans, cloud.opening, now, config.cloud.staleMinutes);
  const line = (parts: string[]) => ` ${parts.filter(Boolean).join(' · ')}`;
  // Too wide (at 80 columns, while a filter hides rows or a region is stale): the account goes first, the
  // status bar names it too; then `all types`, which every unnarrowed list is; then each part whole or not at all
  // (at 60 columns `scanned 2 min …` said no age).
  const fitting = [
    [count, scope, account, fresh],
    [count, scope, fresh],
    [count, view.type || view.project ? scope : '', fresh],
  ]
    .map(line)
    .find((l) => displayWidth(l) <= width);
  const summary = fitting ?? ` ${fitParts([count, scope, fresh], width - 1)}`;
  const stale = summary.includes('STALE') || summary.includes('failed');
  return (
    <SummaryTable
      summary={summary}
      summaryColor={stale ? theme.warn : theme.muted}
      table={table}
      columns={columns}
      width={width}
      height={height}
      noColor={theme.noColor}
      loading={loading}
      emptyMessage={
        info?.problem
          ? `No access to the account: ${info.problem}`
          : index.size === 0
            ? 'Nothing scanned yet. Press s to scan every region (it runs as a job; the table fills region by region).'
            : 'Nothing of this type or project: :resources shows all, p changes the project.'
      }
    />
  );
}

const detailsView: ScreenView = {
  id: 'resourceDetails',
  title: 'details',
  scopes: ['list'],
  hints: [
    { action: 'resource.open', label: 'open' },
    { action: 'resource.describe', label: 'describe' },
    { action: 'clipboard.copy', label: 'copy' },
    { action: 'view.back', label: 'back' },
  ],
};
const describeView: ScreenView = {
  id: 'resourceDescribe',
  title: 'describe',
  scopes: ['log'],
  hints: [
    { action: 'clipboard.copy', label: 'copy id' },
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};
const goneView: ScreenView = {
  id: 'resourceGone',
  title: 'gone',
  scopes: ['log'],
  hints: [{ action: 'view.back', label: 'back' }],
};

const typeCommands: PaletteCommand[] = (
  [
    ['ec2', 'EC2 instances'],
    ['vpc', 'VPCs'],
    ['subnet', 'subnets'],
    ['sg', 'security groups'],
    ['igw', 'internet gateways'],
    ['rtb', 'route tables'],
    ['ebs', 'EBS volumes'],
    ['key', 'key pairs'],
    ['s3', 'S3 buckets'],
  ] as const
).map(([name, what]) => ({
  name,
  aliases: [],
  // `:ec2 web`: the instances of project web, as `:resources ec2 web` (the word was dropped without a word).
  args: '[project]',
  description: `Resources: ${what} only`,
  complete: (_prefix, state, before) => (before.length === 0 ? state.cloud.index.projects() : []),
  run: (args, ctx) => {
    if (args.length > 1)
      return `:${name} takes one project at most ("${args.slice(1).join(' ')}" is one too many)`;
    ctx.actions.ui.showTab('resources');
    ctx.actions.ui.closeView('resources', { all: true });
    ctx.actions.cloud.setView({ type: parseResourceType(name), project: args[0] });
    return undefined;
  },
}));

export const resourcesScreen: Screen = {
  id: 'resources',
  title: 'Resources',
  short: 'Res',
  aliases: ['res', 'aws'],
  actions: [
    {
      id: 'resource.details',
      keys: ['enter'],
      description: 'Attributes, tags and related resources',
      scope: 'resources',
    },
    { id: 'resource.scan', keys: ['s'], description: 'Scan every region now (a job)', scope: 'resources' },
    {
      id: 'resource.delete',
      keys: ['d'],
      description: 'Delete the selected, in dependency order (asks)',
      scope: 'resources',
    },
    { id: 'resource.project', keys: ['p'], description: 'Next project filter', scope: 'resources' },
    copyAction('resources', 'Copy the resource id (OSC 52)'),
    {
      id: 'resource.open',
      keys: ['enter'],
      description: 'Open the related resource (elsewhere: describe)',
      scope: 'resourceDetails',
    },
    {
      id: 'resource.describe',
      keys: ['d'],
      description: 'Describe as YAML: the resource under the cursor',
      scope: 'resourceDetails',
    },
    copyAction('resourceDetails', 'Copy the id or value on the line (OSC 52)'),
    { id: 'view.back', keys: ['esc'], description: 'Back', scope: 'resourceDetails' },
    copyAction('resourceDescribe', 'Copy the resource id (OSC 52)'),
  ],
  scopes: ['table'],
  hints: [
    { action: 'resource.details', label: 'details' },
    { action: 'resource.scan', label: 'scan' },
    { action: 'table.select', label: 'select' },
    { action: 'resource.delete', label: 'delete' },
    { action: 'resource.project', label: 'project' },
    ':ec2 :vpc :sg :s3',
  ],
  Component: ResourcesScreen,
  view: (s) => {
    const views = s.ui.views.resources;
    const open = parseResourceView(views?.[views.length - 1]);
    if (!open) return undefined;
    if (!resourceAt(s.cloud.index, open.key)) return goneView;
    return open.kind === 'describe' ? describeView : detailsView;
  },
  args: '[type|all] [project]',
  // The first word is a type (or all), the second a project of the last scan.
  complete: (_prefix, state, before) =>
    before.length > 0 ? state.cloud.index.projects() : [...typeCommands.map((c) => c.name), 'all'],
  open: (args, actions) => {
    const [word, project] = args;
    actions.ui.closeView('resources', { all: true });
    if (!word || word === 'all') {
      actions.cloud.setView({ project });
      return undefined;
    }
    const type = parseResourceType(word);
    if (!type)
      return `:resources ${word}: not a resource type (ec2, vpc, subnet, sg, igw, rtb, ebs, key, s3, all)`;
    actions.cloud.setView({ type, project });
    return undefined;
  },
  commands: [
    ...typeCommands,
    {
      name: 'project',
      aliases: [],
      args: '<name>|all',
      description: 'Resources of one project (infradeck:project tag)',
      // The projects the last scan found: a new on-call engineer does not know their names yet.
      complete: (_prefix, state) => [...state.cloud.index.projects(), 'all'],
      run: (args, ctx) => {
        ctx.actions.ui.showTab('resources');
        ctx.actions.ui.closeView('resources', { all: true });
        ctx.actions.cloud.setView({ project: args[0] && args[0] !== 'all' ? args[0] : undefined });
        return undefined;
      },
    },
    {
      name: 'power',
      aliases: [],
      args: '<project> on|off',
      description: 'Start or stop every instance of a project (one job, asks first)',
      run: (args, ctx) => {
        const [project, word] = args;
        if (!project || (word !== 'on' && word !== 'off'))
          return ':power needs a project and on|off, e.g. :power web off';
        const on = word === 'on';
        // Read-only: the action says it is refused, with nothing asked first.
        if (ctx.state().workspace.readOnly) {
          void ctx.actions.cloud.power(project, on);
          return undefined;
        }
        const { info, index } = ctx.state().cloud;
        ctx.actions.ui.confirm({
          title: `Power ${word} project ${project}?`,
          lines: [
            `${on ? 'Start' : 'Stop'} every instance tagged infradeck:project=${project}, in every region, as one job, in ${accountText(info)}.`,
            powerCount(index.query({ type: 'instance' }), project, on),
          ],
          onYes: () => void ctx.actions.cloud.power(project, on),
        });
        return undefined;
      },
    },
    {
      name: 'scan',
      aliases: [],
      description: 'Scan every region now (a job)',
      run: (_args, ctx) => {
        void ctx.actions.cloud.scan();
        return undefined;
      },
    },
  ],
};
