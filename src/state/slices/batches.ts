import type { BatchAction, BatchDefinition } from '../../domain/batch';
import { retryTargets } from '../../domain/batchOutcome';
import { type BatchPlan, planBatch } from '../../domain/batchPlan';
import { type BatchRunView, batchPayload, batchRunView } from '../../domain/batchRun';
import type { BatchFile } from '../../domain/batchSource';
import { type BatchTarget, resolveTargets } from '../../domain/batchTargets';
import type { JobView } from '../../domain/job';
import { formatSourceError } from '../../domain/sourceError';
import type { JobsById } from '../reducers/jobs';
import { errorText, followFiles, type Slice } from '../slice';

export interface BatchesState {
  /** `batches/*.yaml` as last read (undefined until then), each valid or with its located errors. */
  files?: BatchFile[];
  /** Each valid file's plan as of the last read (by file): its targets and waves, or why they do not resolve. */
  plans: ReadonlyMap<string, BatchPlanning>;
  /** servers.yaml's problems met while resolving targets (its bad hosts are not targets). */
  serverErrors: string[];
  /** The run open over the list (Enter on a run): its waves and targets. */
  openRun?: string;
  /** The target whose output is open over the run: its child job's id (the log itself is the jobs slice's). */
  openTarget?: string;
  /** `n`: the ad-hoc batch form is open. */
  form: boolean;
}

export type BatchPlanning = { ok: true; plan: BatchPlan } | { ok: false; errors: string[] };

export interface BatchesActions {
  /** Reads `batches/*.yaml` again and resolves each batch's targets. */
  reload(): Promise<void>;
  /** Reads `batches/` now and again after every change to it until the returned stop (while the tab is shown). */
  connect(): () => void;
  /**
   * The batch's targets resolved against servers.yaml and the resource index, cut into waves: what a start shows
   * before it asks. `file`: where the batch was read, so a name that names nothing is located in it.
   */
  plan(batch: BatchDefinition, file?: Extract<BatchFile, { ok: true }>): Promise<BatchPlanning>;
  /** Enqueues the plan as a `batch` job (refused by the queue, and audited, in read-only mode); opens the run. */
  start(plan: BatchPlan, retryOf?: string): Promise<string | undefined>;
  /** `A`: a paused run starts its next wave now. */
  advance(id: string): Promise<void>;
  /** `c`: the run stops; its running targets are cancelled, the rest never start. */
  cancel(id: string): Promise<void>;
  /** `R`: a new run of the run's failed and cancelled targets, in waves again. */
  retry(id: string): Promise<string | undefined>;
  openRun(id: string | undefined): void;
  /** Opens (a child job's id) or closes (undefined) a target's output. */
  openTarget(jobId: string | undefined): Promise<void>;
  showForm(open: boolean): void;
}

/** The Batch screen's defined batches, the run and target open over its list, and the runs' actions. */
export const batchesSlice: Slice<'batches', BatchesState, BatchesActions> = {
  name: 'batches',
  initial: () => ({ serverErrors: [], form: false, plans: new Map() }),
  actions: ({ services, get, patch, notify }) => {
    let reading: Promise<void> = Promise.resolve();
    const readOnly = () => get().workspace.readOnly;
    const refusal = (what: string): string | undefined => {
      if (!services.bus) return `${what}: no worker layer in this console`;
      if (readOnly()) return `${what}: refused, infradeck runs read-only (--readonly)`;
      return undefined;
    };
    const runOf = (id: string): BatchRunView | undefined => batchRunsOf(get().jobs.byId).get(id);

    const actions: BatchesActions = {
      connect: () => followFiles(services.batches?.watch, () => void actions.reload(), 'batches/', notify),

      reload: () => {
        const batches = services.batches;
        if (!batches) {
          // No workspace folder (a test double, a library user): no batch files, rather than reading forever.
          if (get().batches.files === undefined) patch({ files: [] });
          return Promise.resolve();
        }
        reading = reading.then(async () => {
          const files = await batches.load();
          const plans = new Map<string, BatchPlanning>();
          for (const file of files) if (file.ok) plans.set(file.file, await actions.plan(file.batch, file));
          patch({ files, plans });
        });
        return reading;
      },

      plan: async (batch, file) => {
        const cloud = get().cloud;
        // The demo cloud's instances have addresses nobody owns: a batch never runs on them.
        const resources = cloud.info?.kind === 'demo' ? [] : cloud.index.all;
        let found: { inputs: Parameters<typeof resolveTargets>[1]; errors: string[] };
        try {
          found = services.batches
            ? await services.batches.targetInputs(resources)
            : { inputs: { servers: [], resources }, errors: [] };
        } catch (error) {
          return { ok: false, errors: [`servers.yaml: ${errorText(error)}`] };
        }
        patch({ serverErrors: found.errors });
        const resolved = resolveTargets(batch.targets, found.inputs);
        if (!resolved.ok) {
          const errors = resolved.problems.map((p) =>
            // An ad-hoc batch's problem goes under the field that has the word it names.
            file ? formatSourceError(file.targetErrorAt(p)) : p.message,
          );
          return { ok: false, errors };
        }
        return { ok: true, plan: planBatch(batch, resolved.targets) };
      },

      start: async (plan, retryOf) => {
        const bus = services.bus;
        if (!bus) {
          notify('error', `start ${plan.batch.name}: no worker layer in this console`);
          return undefined;
        }
        try {
          // Read-only: the queue refuses it (a batch changes hosts) and records the refusal in the audit.
          const id = await bus.queue.enqueue({
            kind: 'batch',
            payload: batchPayload(plan, retryOf),
            requestedBy: bus.requester,
            ...(readOnly() ? { readOnly: true } : {}),
          });
          const waves = plan.waves.length;
          notify(
            'info',
            `queued batch ${plan.batch.name} (job ${id}): ${plan.targets.length} target${plan.targets.length === 1 ? '' : 's'} in ${waves} wave${waves === 1 ? '' : 's'}`,
          );
          actions.openRun(id);
          // Events carry no payload: the run's targets come with the queue's view of it.
          void get().actions.jobs.refresh();
          return id;
        } catch (error) {
          notify('error', `start ${plan.batch.name}: ${errorText(error)}`);
          return undefined;
        }
      },

      advance: async (id) => {
        const refused = refusal('advance');
        const bus = services.bus;
        if (refused || !bus) return notify('error', refused ?? 'advance: refused');
        try {
          await bus.queue.resume(id, bus.requester);
          notify('info', `batch job ${id}: the next wave starts now`);
        } catch (error) {
          notify('error', `advance ${id}: ${errorText(error)}`);
        }
      },

      cancel: async (id) => {
        const refused = refusal('cancel');
        const bus = services.bus;
        if (refused || !bus) return notify('error', refused ?? 'cancel: refused');
        try {
          await bus.queue.cancel(id, bus.requester);
          notify('info', `cancelled batch job ${id}`);
        } catch (error) {
          notify('error', `cancel ${id}: ${errorText(error)}`);
        }
      },

      retry: async (id) => {
        const run = runOf(id);
        const plan = run && retryPlanOf(run);
        if (!plan) {
          notify('error', `retry ${id}: no failed or cancelled targets to run again`);
          return undefined;
        }
        return actions.start(plan, id);
      },

      openRun: (id) => {
        // The target's output is the jobs slice's open log: closed with it, or the Jobs tab would show it.
        if (get().batches.openTarget !== undefined) get().actions.jobs.closeLog();
        patch({ openRun: id, openTarget: undefined });
      },

      openTarget: async (jobId) => {
        const jobs = get().actions.jobs;
        patch({ openTarget: jobId });
        if (jobId) await jobs.openLog(jobId);
        else jobs.closeLog();
      },

      showForm: (open) => patch({ form: open }),
    };
    return actions;
  },
  effects: {
    'job.*': (events, deck) => {
      const { byId } = deck.jobs;
      const ids = new Set<string>();
      for (const e of events) {
        const job = e.jobId ? byId.get(e.jobId) : undefined;
        // A run older than the newest jobs the list returns (its targets are newer): read it by its id, also before
        // the jobs slice's first list (it reads such jobs only after it). A failed job's result comes with its event
        // (`job.failed` carries it). The jobs slice's read: one read per job at a time, whichever slice asks.
        if (job?.kind === 'batch' && job.payload === undefined) ids.add(job.id);
      }
      if (ids.size > 0) void deck.actions.jobs.read([...ids]);
    },
  },
};

/** The plan a run was started with, as its payload says (the targets as they were resolved then). */
export function runPlanOf(run: BatchRunView): BatchPlan {
  const p = run.payload;
  const batch: BatchDefinition = {
    name: p.name,
    targets: [{ names: p.targets.map((t) => t.name) }],
    action: p.action as BatchAction,
    serial: p.serial ?? [],
    maxFailPercentage: p.maxFailPercentage ?? 0,
    ...(p.pause ? { pause: p.pause } : {}),
    timeoutMs: p.timeoutMs,
  };
  return planBatch(batch, p.targets as BatchTarget[]);
}

/** `R`: the run's failed and cancelled targets, in their order, in waves of the same serial; undefined: none. */
export function retryPlanOf(run: BatchRunView): BatchPlan | undefined {
  const again = new Set(retryTargets(run.targets).map((t) => t.key));
  if (again.size === 0) return undefined;
  const plan = runPlanOf(run);
  return planBatch(
    plan.batch,
    plan.targets.filter((t) => again.has(t.key)),
  );
}

/** A child's target key: from its view, else (a view that does not carry it) from a `batchTarget` payload. */
function childKeyOf(child: JobView): string | undefined {
  if (child.childKey !== undefined) return child.childKey;
  const key = (child.payload as { target?: { key?: unknown } } | undefined)?.target?.key;
  return typeof key === 'string' ? key : undefined;
}

const runsByJobs = new WeakMap<JobsById, Map<string, BatchRunView>>();

/**
 * Every batch run the console knows, by job id, newest first, each derived from its job and its children (jobs
 * whose `parentId` is the run's); the same map while the jobs do not change. A run whose payload has not come
 * yet (known from an event only) is left out until it has.
 */
export function batchRunsOf(byId: JobsById): Map<string, BatchRunView> {
  const cached = runsByJobs.get(byId);
  if (cached) return cached;
  const children = new Map<string, JobView[]>();
  const runs: JobView[] = [];
  for (const job of byId.values()) {
    if (job.kind === 'batch') runs.push(job);
    if (job.parentId === undefined) continue;
    const key = childKeyOf(job);
    const list = children.get(job.parentId) ?? [];
    list.push(key === job.childKey ? job : { ...job, childKey: key });
    children.set(job.parentId, list);
  }
  runs.sort((a, b) => b.createdAt - a.createdAt);
  const out = new Map<string, BatchRunView>();
  for (const job of runs) {
    const view = batchRunView(job, children.get(job.id) ?? []);
    if (view) out.set(job.id, view);
  }
  runsByJobs.set(byId, out);
  return out;
}
