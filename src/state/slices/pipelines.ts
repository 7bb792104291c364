import type { JobView } from '../../domain/job';
import type { CiPayload } from '../../domain/jobKinds/ci';
import {
  CiError,
  isFinished,
  nextPollMsOver,
  type PipelineClient,
  type PipelineJob,
  type PipelineRun,
} from '../../domain/pipelineClient';
import {
  cannotRun,
  keepLastKnown,
  localPipelineRows,
  type PipelineRow,
  pipelineTarget,
  remotePipelineRows,
} from '../../domain/pipelineRows';
import type { LocalPipelineSource } from '../../domain/pipelineSource';
import type { RemoteRunsRow } from '../../domain/remoteRepo';
import type { DispatchInput } from '../../domain/workflowDispatch';
import { dispatchInputProblems } from '../../domain/workflowDispatch';
import { type JobsById, mergeJobList } from '../reducers/jobs';
import type { HostQuota } from '../services/pipelines';
import { errorText, followFiles, type Slice } from '../slice';
import type { DeckState } from '../store';

/** The run open over the table (Enter on a row): one of the row's runs, and its jobs (a local run's steps). */
export interface OpenRun {
  rowKey: string;
  /** Which of the row's runs it was when opened, newest first (0: the latest); `openRunIndex` says where it is now. */
  index: number;
  run: PipelineRun;
  jobs?: PipelineJob[];
  loading: boolean;
  /** Why the jobs could not be read (the last ones read are kept). */
  error?: string;
}

/** The job whose log is open over the run. A local step's lines are the jobs slice's log (they stream). */
export interface OpenJob {
  job: PipelineJob;
  local: boolean;
  /** A remote job's log as last downloaded. */
  lines?: string[];
  complete: boolean;
  note?: string;
  error?: string;
  loading: boolean;
}

/** What the trigger form asks for a row: the branch, and the workflow's inputs (GitHub) or variables (GitLab). */
export type TriggerAsk =
  | { ok: true; ref: string; kind: 'local' | 'inputs' | 'variables'; inputs: DispatchInput[] }
  | { ok: false; error: string };

export interface PipelinesState {
  /** The local pipeline files as last read; undefined until then. */
  local?: LocalPipelineSource[];
  localErrors: string[];
  /** The remote repositories' rows, the last known runs of a failing provider kept and marked (`problem`). */
  remote: PipelineRow[];
  /** Repositories with a GitHub or GitLab origin: what one remote poll costs in requests. */
  remoteRepos: number;
  remoteLoading: boolean;
  /** When the last remote refresh ended. */
  remoteAt?: number;
  /** Each repository's clone, by name. */
  clones: Record<string, string>;
  quotas: HostQuota[];
  /** The screens showing pipelines now (`pipelines`, `repos`): remote runs are polled only while one is. */
  shownIn: readonly string[];
  open?: OpenRun;
  openJob?: OpenJob;
}

export interface PipelinesActions {
  /** `r`: the local files, the local runs in the queue, and the remote runs, read again. */
  reload(): Promise<void>;
  /** The local pipeline files and the local runs in the queue (the tab shown again: an edit shows). */
  reloadLocal(): Promise<void>;
  /** Follows the workspace's pipeline files until the returned stop (while the tab is shown; read just before). */
  followLocal(): () => void;
  refreshRemote(): Promise<void>;
  /** A screen showing pipelines appeared or went: remote polling follows (see `nextPollMs`). */
  setShown(screen: string, shown: boolean): void;
  openRun(rowKey: string, index?: number): Promise<void>;
  /**
   * `:pipelines NAME`: the latest run of the pipeline `NAME` names (a local pipeline, `REPO:WORKFLOW`, or a name only
   * one row has); what is wrong when none does.
   */
  openNamed(name: string): string | undefined;
  /** `[` older (+1), `]` newer (-1) run of the open row. */
  stepRun(delta: number): Promise<void>;
  closeRun(): void;
  /** Reads the open run's jobs again. */
  reloadRun(): Promise<void>;
  openJob(job: PipelineJob): Promise<void>;
  closeJob(): void;
  /** What `t` asks for this row; an error when the row cannot be triggered. */
  triggerAsk(rowKey: string): Promise<TriggerAsk>;
  /** Starts a run of the row: a `pipeline` job (local) or a `ci` job (remote). Returns a problem for the form. */
  trigger(rowKey: string, ref: string, inputs: Record<string, string>): Promise<string | undefined>;
  rerunFailed(rowKey: string, run: PipelineRun): Promise<void>;
  /**
   * A local run by its job id (`R` on the Jobs tab, on the run or one of its steps): a new run of its failed,
   * skipped and cancelled steps, the passed ones kept, as `infradeck pipeline retry` makes.
   */
  retryRun(runId: string): Promise<void>;
  cancel(rowKey: string, run: PipelineRun): Promise<void>;
  /** The `pipeline` jobs of the queue into the jobs slice (the list of every kind may hold only the newest). */
  fetchRuns(): Promise<void>;
}

/** Runs asked of a provider per repository: the row's sparkline and the `[` history. */
const runsPerRepo = 30;
/** `pipeline` jobs read on reload. */
const localRunsRead = 300;

/** A row whose provider failed: the kinds that say something changed since (not "there is nothing to show"). */
function providerFailed(row: RemoteRunsRow): boolean {
  if (row.reason === undefined || !row.remote) return false;
  // No token at all is the row's own text (which variable or command gives one), not a failure to report.
  return !(row.kind === 'auth' && /^no (GitHub|GitLab) token/.test(row.reason));
}

function watchingRunning(s: PipelinesState): boolean {
  const open = s.open;
  if (!open || open.run.source === 'local') return false;
  if (s.openJob && !s.openJob.local && !s.openJob.complete) return true;
  return !isFinished(open.run.status) || (open.jobs ?? []).some((j) => !isFinished(j.status));
}

/** The `pipeline` jobs among the console's jobs, newest first. */
function pipelineJobs(byId: JobsById): JobView[] {
  const jobs: JobView[] = [];
  for (const job of byId.values()) if (job.kind === 'pipeline') jobs.push(job);
  return jobs.sort((a, b) => b.createdAt - a.createdAt);
}

function sameJobs(a: readonly JobView[], b: readonly JobView[]): boolean {
  return a.length === b.length && a.every((job, i) => job === b[i]);
}

interface RowsMemo {
  byId: JobsById;
  local?: LocalPipelineSource[];
  remote: PipelineRow[];
  jobs: JobView[];
  rows: PipelineRow[];
}
let rowsMemo: RowsMemo | undefined;

/**
 * Every row of the Pipelines tab: the local pipelines with their runs (from the jobs the events keep current),
 * then the remote ones. The same array while neither changes: a step's events and output lines (most of what a
 * running pipeline sends) change other jobs than the runs, and leave the rows, and the table's measure, alone.
 */
export function pipelineRowsOf(
  s: Pick<DeckState, 'pipelines' | 'jobs'>,
  now: number = Date.now(),
): PipelineRow[] {
  const { local, remote } = s.pipelines;
  const { byId } = s.jobs;
  const memo = rowsMemo;
  if (memo && memo.byId === byId && memo.local === local && memo.remote === remote) return memo.rows;
  const jobs = pipelineJobs(byId);
  if (memo && memo.local === local && memo.remote === remote && sameJobs(memo.jobs, jobs)) {
    rowsMemo = { ...memo, byId };
    return memo.rows;
  }
  const rows = [...localPipelineRows(local ?? [], jobs, now), ...remote];
  rowsMemo = { byId, local, remote, jobs, rows };
  return rows;
}

/**
 * Where the open run is among its row's runs now (0: the newest). Runs that started since it was opened (a `t`, an
 * `R`, a push) come before it: the index it was opened at says another run then.
 */
export function openRunIndex(row: PipelineRow, open: OpenRun): number {
  const at = row.runs.findIndex((r) => r.id === open.run.id);
  return at >= 0 ? at : open.index;
}

/** The local pipelines, the team's GitHub and GitLab runs, the run and job open over the Pipelines tab. */
export const pipelinesSlice: Slice<'pipelines', PipelinesState, PipelinesActions> = {
  name: 'pipelines',
  initial: () => ({
    localErrors: [],
    remote: [],
    remoteRepos: 0,
    remoteLoading: false,
    clones: {},
    quotas: [],
    shownIn: [],
  }),
  actions: ({ services, get, set, patch, notify, now }) => {
    const pipelines = services.pipelines;
    const readOnly = () => get().workspace.readOnly;
    let localClient: ReturnType<NonNullable<typeof pipelines>['localClient']> | undefined;
    const local = () => {
      if (!localClient && pipelines && services.bus)
        localClient = pipelines.localClient(services.bus, readOnly());
      return localClient;
    };
    /** A new run of a local run's failed, skipped and cancelled steps, the passed ones kept. */
    const retryLocal = async (runId: string) => {
      const client = local();
      if (!client) return notify('error', 're-run: no worker layer in this console');
      const id = await client.retry({ repo: '', id: runId });
      notify('info', `run ${id}: the failed steps of ${runId} again, the passed ones kept`);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let refreshing: Promise<void> | undefined;
    /** The failure last told per host, so a poll that fails the same way again does not say it again. */
    const told = new Map<string, string>();
    const rowOf = (key: string) => pipelineRowsOf(get(), now()).find((r) => r.key === key);
    const clientOf = async (row: PipelineRow): Promise<PipelineClient> => {
      if (row.source === 'local') {
        const client = local();
        if (!client) throw new Error('no worker layer in this console');
        return client;
      }
      if (!pipelines || !row.remote) throw new Error(`${row.pipeline}: no remote CI`);
      const lookup = await pipelines.remoteClient(row.remote);
      if (!lookup.ok) throw new Error(lookup.reason);
      return lookup.client;
    };

    /**
     * The branch a trigger form starts from, one rule for GitHub and GitLab: the clone's (as `infradeck pipeline
     * run`, `gh workflow run` and `glab ci run` take it), else the newest run's that is a branch (a merge request
     * pipeline's `!412` is no ref to run on), else the remote's default branch as the clone knows it, else `main`.
     */
    const triggerRef = async (row: PipelineRow, clone: string | undefined): Promise<string> => {
      const asked = async (read: (clone: string) => Promise<string | undefined> | undefined) =>
        clone ? await Promise.resolve(read(clone)).catch(() => undefined) : undefined;
      const onClone = await asked((c) => pipelines?.cloneBranch?.(c));
      if (onClone) return onClone;
      const known = row.runs.find((r) => r.branch && !r.branch.startsWith('!'))?.branch;
      if (known) return known;
      return (await asked((c) => pipelines?.defaultBranch?.(c))) ?? 'main';
    };

    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!pipelines) return;
      const s = get().pipelines;
      const watching = watchingRunning(s);
      const delay = nextPollMsOver({
        visible: s.shownIn.length > 0,
        watchingRunning: watching,
        tableMs: pipelines.tableMs,
        ...(pipelines.watchMs !== undefined ? { watchMs: pipelines.watchMs } : {}),
        quotas: s.quotas.map((q) => q.quota),
        requestsPerPoll: Math.max(1, s.remoteRepos) + (watching ? 2 : 0),
        now: now(),
      });
      if (delay === undefined) return;
      timer = setTimeout(() => void tick(), delay);
      timer.unref?.();
    };

    const tick = async () => {
      timer = undefined;
      const s = get().pipelines;
      const work: Promise<unknown>[] = [];
      const due = s.remoteAt === undefined || now() - s.remoteAt >= (pipelines?.tableMs ?? 0) * 0.9;
      if (s.shownIn.length > 0 && due) work.push(refreshRemote());
      if (watchingRunning(s)) {
        work.push(actions.reloadRun());
        if (s.openJob && !s.openJob.local && !s.openJob.complete) work.push(readRemoteLog(s.openJob.job));
      }
      await Promise.allSettled(work);
      schedule();
    };

    const tell = (rows: readonly RemoteRunsRow[]) => {
      const failures = new Map<string, { text: string; kind: string; repos: number }>();
      for (const row of rows) {
        if (!row.remote) continue;
        const host = `${row.remote.provider}:${row.remote.host}`;
        if (!providerFailed(row)) continue;
        const seen = failures.get(host);
        if (seen) seen.repos++;
        else failures.set(host, { text: row.reason ?? '', kind: row.kind ?? 'provider', repos: 1 });
      }
      for (const host of [...told.keys()]) if (!failures.has(host)) told.delete(host);
      for (const [host, f] of failures) {
        // A rate limit's text counts down (`try again at 09:05:11 UTC (in 87 s)`): the same limit is told once.
        const said = f.text.replace(/ \(in \d+ (?:s|min)\)/g, '');
        if (told.get(host) === said) continue;
        told.set(host, said);
        const more = f.repos > 1 ? ` (and ${f.repos - 1} more repositor${f.repos === 2 ? 'y' : 'ies'})` : '';
        notify(
          f.kind === 'rate-limited' ? 'warn' : 'error',
          `${host.replace(/^[a-z]+:/, '')}: ${f.text}${more}; the last known runs are kept, marked stale`,
        );
      }
    };

    const refreshRemote = (): Promise<void> => {
      if (!pipelines) return Promise.resolve();
      if (refreshing) return refreshing;
      patch({ remoteLoading: true });
      refreshing = (async () => {
        try {
          const { rows, clones } = await pipelines.loadRemote({ limit: runsPerRepo });
          tell(rows);
          const next = keepLastKnown(get().pipelines.remote, remotePipelineRows(rows, runsPerRepo));
          patch({
            remote: next,
            clones,
            remoteRepos: rows.filter((r) => r.remote).length,
            quotas: pipelines.quotas(),
            remoteAt: now(),
          });
          // The open remote run as the table now has it (its status moves on with each poll).
          const open = get().pipelines.open;
          if (open && open.run.source !== 'local') {
            const fresh = next.find((r) => r.key === open.rowKey)?.runs.find((r) => r.id === open.run.id);
            if (fresh && fresh !== open.run) patch({ open: { ...open, run: fresh } });
          }
        } catch (error) {
          notify('error', `remote CI: ${errorText(error)}`);
        } finally {
          patch({ remoteLoading: false });
          refreshing = undefined;
          schedule();
        }
      })();
      return refreshing;
    };

    const readRemoteLog = async (job: PipelineJob) => {
      const open = get().pipelines.open;
      const row = open && rowOf(open.rowKey);
      if (!row) return;
      try {
        const log = await (await clientOf(row)).jobLog(job);
        const current = get().pipelines.openJob;
        if (current?.job.id !== job.id) return;
        patch({
          openJob: {
            ...current,
            lines: log.lines,
            complete: log.complete || isFinished(job.status),
            loading: false,
            ...(log.note ? { note: log.note } : { note: undefined }),
            error: undefined,
          },
        });
      } catch (error) {
        const current = get().pipelines.openJob;
        if (current?.job.id === job.id)
          patch({ openJob: { ...current, loading: false, error: errorText(error) } });
      }
    };

    const enqueueCi = async (
      row: PipelineRow,
      payload: Omit<CiPayload, 'provider' | 'host' | 'repo' | 'readOnly' | 'inputs'> & {
        inputs?: Record<string, string>;
      },
    ) => {
      const bus = services.bus;
      if (!bus || !row.remote) throw new Error('no worker layer in this console');
      return bus.queue.enqueue({
        kind: 'ci',
        payload: {
          provider: row.remote.provider,
          host: row.remote.host,
          repo: row.remote.path,
          inputs: {},
          ...payload,
          readOnly: readOnly(),
        },
        requestedBy: bus.requester,
        ...(readOnly() ? { readOnly: true } : {}),
      });
    };

    const actions: PipelinesActions = {
      reload: async () => {
        await Promise.all([actions.reloadLocal(), refreshRemote()]);
      },

      reloadLocal: async () => {
        if (!pipelines) {
          if (get().pipelines.local === undefined) patch({ local: [] });
          return;
        }
        const reading = pipelines.loadLocal().then(
          ({ pipelines: found, errors }) => {
            const before = get().pipelines.localErrors;
            patch({ local: found, localErrors: errors });
            for (const e of errors) if (!before.includes(e)) notify('error', e);
          },
          (error) => notify('error', `local pipelines: ${errorText(error)}`),
        );
        await Promise.all([reading, actions.fetchRuns()]);
      },

      followLocal: () =>
        followFiles(pipelines?.watchLocal, () => void actions.reloadLocal(), 'pipelines/', notify, false),

      refreshRemote,

      setShown: (screen, shown) => {
        const s = get().pipelines;
        const has = s.shownIn.includes(screen);
        if (has === shown) return;
        patch({ shownIn: shown ? [...s.shownIn, screen] : s.shownIn.filter((x) => x !== screen) });
        // Shown again (also after an overlay over the tab): read now only when the table's interval has passed.
        const at = get().pipelines.remoteAt;
        const tableMs = pipelines?.tableMs ?? 0;
        if (shown && (at === undefined || (tableMs > 0 && now() - at >= tableMs))) void refreshRemote();
        else schedule();
      },

      openRun: async (rowKey, index = 0) => {
        const row = rowOf(rowKey);
        const run = row?.runs[index];
        if (!row || !run) {
          // A row that cannot be read (no usable origin, no token) says why with the problem's mark, never ✓.
          if (row?.problem !== undefined) notify('warn', `${row.pipeline}: ${row.problem}`);
          else notify('info', `${row?.pipeline ?? rowKey}: no runs yet (t starts one)`);
          return;
        }
        if (get().pipelines.openJob?.local) get().actions.jobs.closeLog();
        patch({ open: { rowKey, index, run, loading: true }, openJob: undefined });
        await actions.reloadRun();
      },

      openNamed: (name) => {
        const open = (): string | undefined => {
          const rows = pipelineRowsOf(get(), now());
          const byTarget = rows.filter((r) => pipelineTarget(r) === name);
          const found = byTarget.length ? byTarget : rows.filter((r) => r.pipeline === name);
          if (found.length === 1) {
            void actions.openRun(found[0].key);
            return undefined;
          }
          if (found.length > 1)
            return `:pipelines ${name}: ${found.length} pipelines have that name; say which: ${found.map((r) => pipelineTarget(r) ?? r.pipeline).join(', ')}`;
          return `:pipelines ${name}: no such pipeline (Tab completes the names)`;
        };
        if (get().pipelines.local !== undefined) return open();
        // The tab never shown yet: its files are read first.
        void actions.reloadLocal().then(() => {
          const problem = open();
          if (problem) notify('error', problem);
        });
        return undefined;
      },

      stepRun: async (delta) => {
        const open = get().pipelines.open;
        const row = open && rowOf(open.rowKey);
        if (!open || !row) return;
        const index = openRunIndex(row, open) + delta;
        if (index < 0 || index >= row.runs.length) {
          notify(
            'info',
            index < 0 ? 'this is the newest run' : `no older run known (${row.runs.length} kept)`,
          );
          return;
        }
        await actions.openRun(open.rowKey, index);
      },

      closeRun: () => {
        if (get().pipelines.openJob?.local) get().actions.jobs.closeLog();
        patch({ open: undefined, openJob: undefined });
        schedule();
      },

      reloadRun: async () => {
        const open = get().pipelines.open;
        const row = open && rowOf(open.rowKey);
        if (!open || !row) return;
        const same = () => {
          const now = get().pipelines.open;
          return now?.rowKey === open.rowKey && now.run.id === open.run.id ? now : undefined;
        };
        try {
          const jobs = await (await clientOf(row)).runJobs(open.run);
          const current = same();
          if (current) patch({ open: { ...current, jobs, loading: false, error: undefined } });
        } catch (error) {
          const current = same();
          if (current) patch({ open: { ...current, loading: false, error: errorText(error) } });
        }
        schedule();
      },

      openJob: async (job) => {
        const open = get().pipelines.open;
        if (!open) return;
        const isLocal = open.run.source === 'local';
        patch({ openJob: { job, local: isLocal, complete: isFinished(job.status), loading: !isLocal } });
        if (isLocal) {
          await get().actions.jobs.openLog(job.id);
          return;
        }
        await readRemoteLog(job);
        schedule();
      },

      closeJob: () => {
        if (get().pipelines.openJob?.local) get().actions.jobs.closeLog();
        patch({ openJob: undefined });
        schedule();
      },

      triggerAsk: async (rowKey) => {
        const row = rowOf(rowKey);
        if (!row) return { ok: false, error: `${rowKey}: no such pipeline` };
        if (cannotRun(row)) return { ok: false, error: `${row.pipeline} cannot start: ${row.problem}` };
        if (row.source === 'local') return { ok: true, ref: '', kind: 'local', inputs: [] };
        const clone = row.repo ? get().pipelines.clones[row.repo] : undefined;
        if (row.source === 'gitlab')
          return { ok: true, ref: await triggerRef(row, clone), kind: 'variables', inputs: [] };
        if (!row.workflowFile)
          return { ok: false, error: `${row.pipeline}: no workflow known yet (the repository has no runs)` };
        const ref = await triggerRef(row, clone);
        if (!clone || !pipelines) return { ok: true, ref, kind: 'inputs', inputs: [] };
        try {
          const spec = await pipelines.dispatchSpec(clone, row.workflowFile);
          if (!spec.dispatchable)
            return {
              ok: false,
              error: `${row.workflowFile} has no workflow_dispatch trigger: add \`on: workflow_dispatch\` to run it by hand`,
            };
          return { ok: true, ref, kind: 'inputs', inputs: spec.inputs };
        } catch (error) {
          // Not in this clone (another branch, a fork): GitHub checks the inputs itself then.
          if (error instanceof CiError && error.kind === 'not-found')
            return { ok: true, ref, kind: 'inputs', inputs: [] };
          return { ok: false, error: errorText(error) };
        }
      },

      trigger: async (rowKey, ref, inputs) => {
        const row = rowOf(rowKey);
        if (!row) return `${rowKey}: no such pipeline`;
        try {
          if (row.source === 'local') {
            const client = local();
            if (!client) return 'no worker layer in this console';
            const outcome = await client.trigger(row.repo ?? '', { workflow: row.pipeline, ref, inputs });
            notify('info', outcome.message);
            return undefined;
          }
          // Read-only: the queue refuses the job (and audits it); the inputs need no check first.
          if (row.source === 'github' && row.workflowFile && !readOnly()) {
            const clone = row.repo ? get().pipelines.clones[row.repo] : undefined;
            const spec =
              clone && pipelines
                ? await pipelines.dispatchSpec(clone, row.workflowFile).catch(() => undefined)
                : undefined;
            const problems = spec ? dispatchInputProblems(spec, inputs, row.workflowFile) : [];
            if (problems.length > 0) return problems.join('; ');
          }
          const id = await enqueueCi(row, {
            action: 'trigger',
            ref,
            inputs,
            ...(row.source === 'github' ? { workflow: row.workflowFile } : {}),
          });
          notify('info', `queued ci job ${id}: ${row.pipeline} on ${ref} in ${row.remote?.path}`);
          return undefined;
        } catch (error) {
          // Refused (read-only) or invalid: the form closes and the status bar says why.
          notify('error', `trigger ${row.pipeline}: ${errorText(error)}`);
          return undefined;
        }
      },

      rerunFailed: async (rowKey, run) => {
        const row = rowOf(rowKey);
        if (!row) return;
        try {
          if (row.source === 'local') return await retryLocal(run.id);
          const id = await enqueueCi(row, { action: 'rerun', run: run.id });
          notify('info', `queued ci job ${id}: re-run the failed jobs of run ${run.id}`);
        } catch (error) {
          notify('error', `re-run ${row.pipeline} run ${run.id}: ${errorText(error)}`);
        }
      },

      retryRun: async (runId) => {
        try {
          await retryLocal(runId);
        } catch (error) {
          notify('error', `re-run run ${runId}: ${errorText(error)}`);
        }
      },

      cancel: async (rowKey, run) => {
        const row = rowOf(rowKey);
        if (!row) return;
        try {
          if (row.source === 'local') {
            const client = local();
            if (!client) return notify('error', 'cancel: no worker layer in this console');
            await client.cancel(run);
            notify('info', `cancelled run ${run.id} of ${row.pipeline}`);
            return;
          }
          const id = await enqueueCi(row, { action: 'cancel', run: run.id });
          notify('info', `queued ci job ${id}: cancel run ${run.id}`);
        } catch (error) {
          notify('error', `cancel ${row.pipeline} run ${run.id}: ${errorText(error)}`);
        }
      },

      fetchRuns: async () => {
        const queue = services.bus?.queue;
        if (!queue) return;
        try {
          const listed = await queue.list({ kind: 'pipeline', limit: localRunsRead });
          if (listed.length > 0)
            set((s) => ({ jobs: { ...s.jobs, byId: mergeJobList(s.jobs.byId, listed, s.jobs.log?.jobId) } }));
        } catch (error) {
          if (services.bus?.state.get().state === 'connected')
            notify('error', `pipeline runs: ${errorText(error)}`);
        }
      },
    };
    return actions;
  },
  effects: {
    // A local run follows the bus: the open run's steps are read again when it or one of its steps changes.
    'job.*': (events, deck) => {
      // A trigger, re-run or cancel done (a `ci` job): the runs as they are now, not at the next poll, up to 30 s later
      // (a cancelled run would read `running` until then, a new one be missing).
      if (
        events.some(
          (e) => e.type === 'job.completed' && (e.data as { kind?: string } | undefined)?.kind === 'ci',
        )
      ) {
        void deck.actions.pipelines.refreshRemote();
        if (deck.pipelines.open && deck.pipelines.open.run.source !== 'local')
          void deck.actions.pipelines.reloadRun();
      }
      const open = deck.pipelines.open;
      if (open?.run.source !== 'local') return;
      const id = open.run.id;
      // Output lines do not change a step's status: they stream into the jobs slice's log.
      const touches = (e: (typeof events)[number]) =>
        e.type !== 'job.log' && (e.jobId === id || e.jobId?.startsWith(`${id}.`) === true);
      if (events.some(touches)) void deck.actions.pipelines.reloadRun();
    },
  },
};
