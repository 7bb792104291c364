import { Box } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { DataTable } from '../../components/DataTable';
import { countOrReading } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { didYouMean } from '../../domain/didYouMean';
import { isFinished } from '../../domain/job';
import { describePlan } from '../../domain/plan';
import type { ProjectEntry } from '../../domain/projectEntry';
import { projectJobs, projectRows } from '../../state/selectors/projects';
import { accountText } from '../../state/services/cloud';
import type { WizardFocus } from '../../state/slices/projects';
import type { DeckActions, DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { type ActionDef, copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { TextDetails, textViewHints } from '../TextDetails';
import { BlueprintWizard } from './BlueprintWizard';
import { ProjectDetailsView } from './ProjectDetailsView';
import { type DeploymentRow, projectColumns } from './projectColumns';
import { askDeploy, askDestroy, askResume, askRollback } from './projectConfirmations';

/** The line under the table: the cursor row's problem, else what its job is doing, else its plan. */
function rowNote(row: DeploymentRow | undefined): { text: string; error: boolean } {
  if (!row) return { text: '', error: false };
  if (row.errors.length > 0) return { text: row.errors[0], error: true };
  const job = row.job;
  if (job && !isFinished(job.status))
    return { text: `job ${job.id}: ${job.message ?? job.status}`, error: false };
  if (job?.status === 'failed') return { text: `job ${job.id} failed: ${job.error ?? ''}`, error: true };
  if (row.plan) {
    const blocked = row.plan.blockers[0];
    return blocked
      ? { text: `cannot deploy: ${blocked}`, error: true }
      : {
          // The P column's `!` says no more than that: the note for its row says what it means.
          text: `plan against the last scan: ${describePlan(row.plan)}${row.protected ? ' · protected (!): destroy asks for its name' : ''}`,
          error: false,
        };
  }
  return { text: '', error: false };
}

function DeploymentsScreen({ width, height, active }: ScreenProps) {
  const deck = useDeckContext();
  const { theme } = deck;
  const actions = useActions();
  const entries = useDeck((s) => s.projects.entries);
  const loaded = useDeck((s) => s.projects.loaded);
  const watchError = useDeck((s) => s.projects.watchError);
  const queuedHere = useDeck((s) => s.projects.queuedHere);
  const openName = useDeck((s) => s.projects.open);
  const wizard = useDeck((s) => s.projects.wizard);
  const awaiting = useDeck((s) => (s.ui.confirm ? s.projects.awaiting : undefined));
  const index = useDeck((s) => s.cloud.index);
  const byId = useDeck((s) => s.jobs.byId);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.deployments ?? '');

  useEffect(() => actions.projects.connect(), [actions]);

  const rows = useMemo(
    () => projectRows(entries, index, byId, queuedHere, awaiting),
    [entries, index, byId, queuedHere, awaiting],
  );
  const wide = width >= 120;
  const columns = useMemo(() => projectColumns(Date.now, wide ? 120 : 80), [wide]);
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.name, filterText, height: tableHeight });

  // Every project listed this session: one opened by `:deployments NAME` that never was is a name mistyped, not a
  // blueprint deleted while open.
  const listedNames = useRef(new Set<string>());
  for (const e of entries) listedNames.current.add(e.name);

  // The blueprint the wizard just wrote gets the cursor once it is listed, so Enter, p and D act on it.
  const written = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    const entry = written.current && entries.find((e) => e.file === written.current);
    if (entry && table.focus(entry.name)) written.current = undefined;
  });

  // A job of a project ended: look the project up again so its sync status says what the job did.
  const ended = rows
    .map((r) => (r.job && isFinished(r.job.status) ? `${r.name}\n${r.job.id}` : ''))
    .filter(Boolean)
    .join('|');
  const seen = useRef<Set<string> | undefined>(undefined);
  useEffect(() => {
    const now = new Set(ended.split('|').filter(Boolean));
    if (seen.current) {
      for (const key of now)
        if (!seen.current.has(key)) void actions.projects.refreshResources(key.split('\n')[0]);
    }
    seen.current = now;
  }, [ended, actions]);

  const open = openName ? rows.find((r) => r.name === openName) : undefined;
  const openEntry = openName ? entries.find((e) => e.name === openName) : undefined;
  // The open project's blueprint went (deleted or renamed, and no state file keeps it listed): a note says so.
  const gone = openName !== undefined && !openEntry;
  const current = open ?? table.cursorRow;
  const copy = useCopy();

  const edit = async (name: string) => {
    const command = actions.projects.editorFor(name);
    if (!command) return;
    if (!deck.runInTerminal) {
      actions.ui.notify('error', `edit ${name}: this console cannot hand the terminal to an editor`);
      return;
    }
    const code = await deck.runInTerminal(command.program, command.args);
    await actions.projects.afterEdit(name, command.file, code);
  };

  const loading = loadingWhile(!loaded, rows, 'the projects folder');
  useListKeys(
    { scope: 'deployments', loading },
    (press) => {
      const action = press.action(open ? ['projectDetails'] : ['deployments', 'list']);
      const ask = () => ({ readOnly, account: accountText(deck.store.getState().cloud.info) });
      const row = current;
      const entry = row && entries.find((e) => e.name === row.name);
      if (action === 'project.new') actions.projects.showWizard(true);
      else if (action === 'project.details' && row && !open) actions.projects.show(row.name);
      else if (action === 'project.plan' && row) {
        actions.projects.show(row.name);
        void actions.projects.plan(row.name);
      } else if (action === 'project.deploy' && row) {
        // An invalid blueprint: the deploy says why it is refused (not the plan D would ask with).
        if (entry && !entry.blueprint) void actions.projects.deploy(row.name);
        else void askDeploy(row.name, actions, ask());
      } else if (action === 'project.destroy' && row && entry)
        void askDestroy(row, entry, index, actions, ask());
      else if (action === 'project.resume' && row && entry)
        askResume(row, entry, projectJobs(deck.store.getState(), row.name), actions, ask());
      else if (action === 'project.rollback' && row && entry)
        void askRollback(row, entry, index, projectJobs(deck.store.getState(), row.name), actions, ask());
      else if (action === 'project.edit' && row) void edit(row.name);
      else if (action === 'clipboard.copy') copy(row?.file);
      else if (action === 'table.filter' && !open) actions.ui.openOverlay('filter');
      else if (!action || open || !table.act(action)) return false;
      return true;
    },
    active && !wizard && !gone,
  );

  if (wizard)
    return (
      <BlueprintWizard
        width={width}
        height={height}
        active={active}
        takenNames={entries.map((e) => e.name)}
        onClose={(file) => {
          written.current = file;
          actions.projects.showWizard(false);
        }}
      />
    );

  if (openName !== undefined && gone)
    return (
      <TextDetails
        lines={
          loaded
            ? [
                `project ${openName}: no blueprint of that name in the projects folder`,
                listedNames.current.has(openName)
                  ? 'Its file was deleted or renamed (a project with a state file left stays listed).'
                  : notAProject(openName, entries),
                '',
                'Esc goes back to the list.',
              ]
            : [`project ${openName}: reading the projects folder…`, '', 'Esc goes back to the list.']
        }
        width={width}
        height={height}
        active={active}
        onBack={() => actions.projects.show(undefined)}
      />
    );

  if (open && openEntry)
    return <ProjectDetailsView row={open} entry={openEntry} width={width} height={height} active={active} />;

  const invalid = rows.filter((r) => r.errors.length > 0).length;
  const scanned = index.scans.length;
  const summary =
    ` ${countOrReading(loading, shownCount(table.view.length, rows.length, 'project'))}${invalid ? ` · ${invalid} with problems` : ''}` +
    ` · sync against ${scanned ? `${index.size} scanned resources` : 'no scan yet (p asks the cloud)'}` +
    `${watchError ? ` · not watching: ${watchError}` : ''}${readOnly ? ' · READ-ONLY' : ''}`;
  const note = rowNote(table.cursorRow);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <DataTable
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        caption={summary}
        captionColor={watchError ? theme.warn : theme.muted}
        noColor={theme.noColor}
        loading={loading}
        emptyMessage="No blueprints in the projects folder yet. Press n to write one with the wizard."
      />
      <NoteLines note={note} width={width} colors={theme} />
    </Box>
  );
}

/** `:deployments shpo`: what the projects folder has, and the one probably meant. */
function notAProject(name: string, entries: readonly ProjectEntry[]): string {
  const names = entries.map((e) => e.name);
  if (names.length === 0) return 'The projects folder has no blueprint yet: n writes one with the wizard.';
  const near = didYouMean(name, names, 3);
  return `${near ? `Did you mean ${near}? ` : ''}The projects: ${names.join(', ')} (: and Tab complete them).`;
}

function openProject(args: string[], actions: DeckActions): string | undefined {
  const [word] = args;
  if (!word) {
    actions.projects.show(undefined);
    return undefined;
  }
  if (word === 'new') {
    actions.projects.showWizard(true);
    return undefined;
  }
  actions.projects.show(word);
  return undefined;
}

/** The project keys: on the list and, but for Enter, in a project's details. */
const projectActions: ActionDef[] = [
  {
    id: 'project.details',
    keys: ['enter'],
    description: 'Blueprint, plan, resources and the last job',
    scope: 'deployments',
  },
  {
    id: 'project.plan',
    keys: ['p'],
    description: 'Plan against the cloud now (changes nothing)',
    scope: 'deployments',
  },
  { id: 'project.deploy', keys: ['D'], description: 'Deploy (shows the plan, asks)', scope: 'deployments' },
  {
    id: 'project.destroy',
    keys: ['X'],
    description: 'Destroy everything of the project (asks; protected: type its name)',
    scope: 'deployments',
  },
  { id: 'project.resume', keys: ['r'], description: 'Resume a stopped deploy', scope: 'deployments' },
  { id: 'project.rollback', keys: ['b'], description: 'Roll back the last deploy', scope: 'deployments' },
  { id: 'project.new', keys: ['n'], description: 'New blueprint (wizard)', scope: 'deployments' },
  { id: 'project.edit', keys: ['e'], description: 'Edit the blueprint in $EDITOR', scope: 'deployments' },
];

/** Enter on a project: the project keys work there, with a text view's; the table's do not. */
const projectView: ScreenView = {
  id: 'projectDetails',
  title: 'project',
  scopes: ['log'],
  hints: [
    { action: 'project.plan', label: 'plan' },
    { action: 'project.deploy', label: 'deploy' },
    { action: 'project.destroy', label: 'destroy' },
    { action: 'project.resume', label: 'resume' },
    { action: 'project.rollback', label: 'rollback' },
    { action: 'project.edit', label: 'edit' },
    ...textViewHints,
  ],
};

/**
 * The keys of the wizard where its focus is (a toggle, an item of a list, the review): it reads them as typed
 * (every key but Ctrl-C), so they are words on the hint line, not actions `?` could list.
 */
function wizardHints(focus: WizardFocus | undefined): string[] {
  if (focus?.step === 'review') return ['Enter write the file', 'Esc/PgUp back', 'j/k/↑/↓ scroll'];
  // Enter moves on (a field, then the step); Esc goes a field or a step back, and from the first field leaves.
  const hints = ['Tab/Enter/↓ next', 'S-Tab/Esc/↑ back'];
  if (focus?.item) hints.push(`^N add ${focus.item}`);
  if (focus?.inItem) hints.push('^X remove');
  if (focus?.field === 'toggle') hints.push('Space/y/n toggle');
  hints.push('PgDn/PgUp step');
  return hints;
}

/** One view per set of hints, made once: `view()` returns constant objects. */
const wizardViews = new Map<string, ScreenView>();

/** `n`: the wizard takes every key but Ctrl-C; the hint line follows its focus (`wizardHints`). */
function wizardViewAt(focus: WizardFocus | undefined): ScreenView {
  const hints = wizardHints(focus);
  const key = hints.join('\n');
  let view = wizardViews.get(key);
  if (!view) {
    view = { id: 'blueprintWizard', title: 'new blueprint', scopes: [], hints, takesKeys: true };
    wizardViews.set(key, view);
  }
  return view;
}

/** The open project is not in the projects folder (its blueprint went, or the folder is still being read). */
const goneView: ScreenView = {
  id: 'projectGone',
  title: 'gone',
  scopes: ['log'],
  hints: [
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};

function deploymentsView(s: DeckState): ScreenView | undefined {
  const { wizard, wizardFocus, open, entries } = s.projects;
  if (wizard) return wizardViewAt(wizardFocus);
  if (open === undefined) return undefined;
  return entries.some((e) => e.name === open) ? projectView : goneView;
}

export const deploymentsScreen: Screen = {
  id: 'deployments',
  title: 'Deployments',
  short: 'Deploys',
  aliases: ['deploy', 'projects', 'dep'],
  actions: [
    ...filterSortActions('deployments'),
    ...projectActions,
    // `n` is the log search's next match there (`log` scope), not a new blueprint.
    ...projectActions
      .filter((a) => a.id !== 'project.details' && a.id !== 'project.new')
      .map((a) => ({ ...a, scope: 'projectDetails' })),
    copyAction('deployments', "Copy the blueprint's path (OSC 52)"),
    copyAction('projectDetails', "Copy the blueprint's path (OSC 52)"),
  ],
  // No selection: every action here takes one row.
  scopes: ['list'],
  hints: [
    { action: 'project.details', label: 'details' },
    { action: 'project.plan', label: 'plan' },
    { action: 'project.deploy', label: 'deploy' },
    { action: 'project.destroy', label: 'destroy' },
    { action: 'project.resume', label: 'resume' },
    { action: 'project.rollback', label: 'rollback' },
    { action: 'project.new', label: 'new' },
    { action: 'project.edit', label: 'edit' },
  ],
  Component: DeploymentsScreen,
  view: deploymentsView,
  args: '[project|new]',
  // `:deployments shop` opens shop's details, `:deployments new` the wizard.
  complete: (_prefix, state) => [...state.projects.entries.map((e) => e.name), 'new'],
  open: openProject,
};
