import type { Blueprint, BlueprintInput } from '../domain/blueprint';
import type { JobView } from '../domain/job';
import { type DeployPlan, planDeploy } from '../domain/plan';
import type { DeployPayload, DeployPayloadInput, DestroyPayloadInput } from '../domain/projectJobs';
import {
  type JobSummary,
  type ProjectRow,
  type ProjectState,
  type ProjectStatus,
  projectStatusOf,
} from '../domain/projectState';
import type { Resource, ResourceIndex } from '../domain/resource';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import type { DeckBus } from './deckServices';
import type { JobsById } from './jobsReducer';
import {
  jobSummaryOf,
  jobsByProject,
  lastDeploy,
  resumableDeploy,
  runningJob,
  withProjectLookUp,
} from './projectsReducer';
import type { DeckStoreTools } from './store';

/** One blueprint of the workspace with its state file (the shape of `loadProjects`' entries). */
export interface ProjectEntryView {
  file: string;
  name: string;
  sha256: string;
  blueprint?: Blueprint;
  errors: SourceError[];
  stateFile: string;
  state?: ProjectState;
  stateErrors: SourceError[];
}

/** A row with the project's newest deploy or destroy job, when the queue knows it. */
export interface ProjectLine extends ProjectRow {
  job?: JobView;
}

export interface PayloadChoices {
  confirmName?: string;
  readOnly?: boolean;
  emptyBuckets?: boolean;
}

export type DraftSave = { ok: true; file: string } | { ok: false; errors: SourceError[] };

/** The projects folder as the console uses it; `openWorkspace` wires the real one (`deckProjectsFor`). */
export interface DeckProjects {
  /** `<dataDir>/projects`, for messages. */
  dir: string;
  /** Every blueprint with its state file; a bad file is an entry with its errors. Never rejects. */
  list(): Promise<ProjectEntryView[]>;
  /** Calls `onChange` shortly after a blueprint or state file changes; resolves once watching. */
  watch(onChange: () => void, onError: (error: Error) => void): Promise<{ close(): Promise<void> }>;
  /** The project's resources asked of the cloud now, by its tag. Absent without a cloud. */
  lookUp?(project: string, region: string): Promise<Resource[]>;
  row(entry: ProjectEntryView, resources: Iterable<Resource>, job?: JobSummary): ProjectRow;
  draftProblems(input: BlueprintInput): SourceError[];
  draftYaml(input: BlueprintInput): string;
  /** Writes `<dir>/<name>.yaml` atomically; refused when invalid or when the name is taken. */
  saveNew(input: BlueprintInput): Promise<DraftSave>;
  deployPayload(entry: ProjectEntryView, choices: PayloadChoices): DeployPayloadInput | undefined;
  destroyPayload(entry: ProjectEntryView, choices: PayloadChoices): DestroyPayloadInput;
  resumePayload(previous: DeployPayload, previousJobId: string): DeployPayloadInput;
  rollbackPayload(
    previous: DeployPayload,
    previousJobId: string,
    choices: PayloadChoices,
  ): DestroyPayloadInput;
  /** The program and arguments that open `file` in the user's editor (`$VISUAL`, `$EDITOR`, else vi). */
  editor(file: string): { program: string; args: string[] };
}

/** A plan made on request (`p`, and before a deploy or destroy is confirmed). */
export interface ProjectPlan {
  loading: boolean;
  at?: number;
  /** `cloud`: the project's resources looked up now; `index`: the last scan (no cloud, or the look-up failed). */
  against?: 'cloud' | 'index';
  plan?: DeployPlan;
  /** What exists of the project, as the plan saw it. */
  resources: Resource[];
  /** The blueprint text the plan was made from (an edit since makes it out of date). */
  sha256?: string;
  error?: string;
}

export interface ProjectsSlice {
  entries: ProjectEntryView[];
  loaded: boolean;
  /** Jobs this console queued: job id -> project (their payload reaches the job list a moment later). */
  queuedHere: Record<string, string>;
  plans: Record<string, ProjectPlan>;
  /** A deploy or destroy of this project waits for the user's confirmation. */
  awaiting?: string;
  /** The project whose details are open. */
  open?: string;
  /** The new-blueprint wizard is open. */
  wizard: boolean;
  watchError?: string;
}

export interface ProjectsActions {
  /** Loads the projects and watches the folder; returns the stop. */
  connectProjects(): () => void;
  reloadProjects(): Promise<void>;
  /** The rows of the Deployments screen: sync against `index`, status from the newest job of each project. */
  projectRows(
    entries: readonly ProjectEntryView[],
    index: ResourceIndex,
    jobs: JobsById,
    queuedHere: Readonly<Record<string, string>>,
    /** The project whose deploy or destroy confirmation is open. */
    awaitingApproval?: string,
  ): ProjectLine[];
  /** The project's deploy and destroy jobs, newest first. */
  projectJobs(name: string): JobView[];
  /** Plans the project against the cloud now (the index without a cloud) and keeps the result. */
  planProject(name: string): Promise<ProjectPlan | undefined>;
  /** After the project's job ended: reads its state file and looks it up again, so its row is current. */
  refreshProjectResources(name: string): Promise<void>;
  deployProject(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  destroyProject(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  resumeProject(name: string): Promise<string | undefined>;
  rollbackProject(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  setAwaitingApproval(name: string | undefined): void;
  /** Opens a project's details (undefined: back to the list). */
  showProject(name: string | undefined): void;
  showWizard(open: boolean): void;
  checkDraft(input: BlueprintInput): SourceError[];
  draftYaml(input: BlueprintInput): string;
  saveNewProject(input: BlueprintInput): Promise<DraftSave>;
  /** The editor command for the project's file; undefined (and a message) when there is none. */
  editorFor(name: string): { program: string; args: string[]; file: string } | undefined;
  /** After the editor: read the folder again and say whether the file is valid now. */
  afterEdit(name: string, file: string, exitCode: number): Promise<void>;
}

export function projectsActions(
  projects: DeckProjects | undefined,
  bus: DeckBus | undefined,
  tools: DeckStoreTools,
): ProjectsActions {
  const { set, get, notify, now } = tools;
  const slice = (patch: Partial<ProjectsSlice>) => set((s) => ({ projects: { ...s.projects, ...patch } }));
  const entryOf = (name: string) => get().projects.entries.find((e) => e.name === name);
  const rowCache = new WeakMap<ProjectEntryView, { index: ResourceIndex; row: ProjectRow }>();
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const refuse = (what: string): boolean => {
    if (!projects || !bus) {
      notify('error', `${what}: ${!projects ? 'no projects folder' : 'no worker layer'} in this console`);
      return true;
    }
    if (get().workspace.readOnly) {
      notify('error', `${what}: refused, infradeck runs read-only (--readonly)`);
      return true;
    }
    return false;
  };

  const enqueue = async (
    what: string,
    project: string,
    kind: 'deploy' | 'destroy',
    payload: DeployPayloadInput | DestroyPayloadInput,
  ): Promise<string | undefined> => {
    if (!bus) return undefined;
    const running = runningJob(actions.projectJobs(project));
    if (running) {
      notify('warn', `${what}: job ${running.id} of ${project} is ${running.status}; wait for it to end`);
      return undefined;
    }
    try {
      // The `deploy`/`destroy` kinds are registered with the job kinds in domain/job.ts.
      const id = await bus.queue.enqueue({
        kind,
        payload,
        requestedBy: bus.requester,
      } as unknown as Parameters<DeckBus['queue']['enqueue']>[0]);
      set((s) => ({ projects: { ...s.projects, queuedHere: { ...s.projects.queuedHere, [id]: project } } }));
      notify('info', `${what}: job ${id} queued`);
      return id;
    } catch (error) {
      notify('error', `${what}: ${errorText(error)}`);
      return undefined;
    }
  };

  const actions: ProjectsActions = {
    connectProjects: () => {
      if (!projects) {
        slice({ loaded: true });
        return () => {};
      }
      let stopped = false;
      let watcher: { close(): Promise<void> } | undefined;
      void actions.reloadProjects();
      projects
        .watch(
          () => void actions.reloadProjects(),
          (error) => slice({ watchError: error.message }),
        )
        .then(
          (w) => {
            if (stopped) void w.close();
            else {
              watcher = w;
              // What changed while the watcher started up is not reported by it: read once more.
              void actions.reloadProjects();
            }
          },
          (error) => slice({ watchError: errorText(error) }),
        );
      return () => {
        stopped = true;
        void watcher?.close();
      };
    },

    reloadProjects: async () => {
      if (!projects) return;
      // One read at a time; changes arriving meanwhile are read once more after it.
      if (reloading) {
        reloadAgain = true;
        return reloading;
      }
      reloading = (async () => {
        do {
          reloadAgain = false;
          const entries = await projects.list();
          slice({ entries, loaded: true });
        } while (reloadAgain);
      })().finally(() => {
        reloading = undefined;
      });
      return reloading;
    },

    projectRows: (entries, index, jobs, queuedHere, awaitingApproval) => {
      if (!projects) return [];
      const byProject = jobsByProject(jobs, queuedHere);
      return entries.map((entry) => {
        // The plan reads the whole index: made again only when the entry or the index changed, not on
        // every progress event of a job.
        let cached = rowCache.get(entry);
        if (!cached || cached.index !== index) {
          cached = { index, row: projects.row(entry, index.all) };
          rowCache.set(entry, cached);
        }
        const job = byProject.get(entry.name)?.[0];
        // The job's end arrives before the state file it wrote is read again: not a dead worker.
        const fileLags = job?.status === 'completed' && entry.state?.status === 'in_progress';
        const status: ProjectStatus =
          awaitingApproval === entry.name
            ? 'approval_pending'
            : fileLags
              ? 'in_progress'
              : projectStatusOf({
                  state: entry.state,
                  stateInvalid: entry.stateErrors.length > 0,
                  job: jobSummaryOf(job),
                });
        return { ...cached.row, status, ...(job ? { job } : {}) };
      });
    },

    projectJobs: (name) => jobsByProject(get().jobs.byId, get().projects.queuedHere).get(name) ?? [],

    planProject: async (name) => {
      const entry = entryOf(name);
      if (!entry?.blueprint) {
        notify('error', `plan ${name}: ${entry ? describeErrors(entry) : 'no such project'}`);
        return undefined;
      }
      const bp = entry.blueprint;
      const setPlan = (p: ProjectPlan) =>
        set((s) => ({ projects: { ...s.projects, plans: { ...s.projects.plans, [name]: p } } }));
      const before = get().projects.plans[name];
      setPlan({ ...before, resources: before?.resources ?? [], loading: true });
      let resources: Resource[];
      let against: ProjectPlan['against'] = 'index';
      let error: string | undefined;
      if (projects?.lookUp) {
        try {
          resources = await projects.lookUp(bp.name, bp.region);
          against = 'cloud';
          set((s) => ({
            cloud: { ...s.cloud, index: withProjectLookUp(s.cloud.index, bp.name, bp.region, resources) },
          }));
        } catch (err) {
          error = `could not ask the cloud (${errorText(err)}); planned against the last scan`;
          resources = projectResources(get().cloud.index, bp.name);
        }
      } else resources = projectResources(get().cloud.index, bp.name);
      // The state file may have changed while the cloud answered.
      const current = entryOf(name) ?? entry;
      const plan = planDeploy({ blueprint: current.blueprint ?? bp, resources, state: current.state });
      const made: ProjectPlan = {
        sha256: current.sha256,
        loading: false,
        at: now(),
        against,
        plan,
        resources,
        ...(error ? { error } : {}),
      };
      setPlan(made);
      if (error) notify('warn', `plan ${name}: ${error}`);
      return made;
    },

    refreshProjectResources: async (name) => {
      void actions.reloadProjects();
      if (get().projects.plans[name]) {
        await actions.planProject(name);
        return;
      }
      const entry = entryOf(name);
      const region = entry?.blueprint?.region ?? entry?.state?.region;
      if (!projects?.lookUp || !region) return;
      try {
        const found = await projects.lookUp(name, region);
        set((s) => ({ cloud: { ...s.cloud, index: withProjectLookUp(s.cloud.index, name, region, found) } }));
      } catch {
        // The next scan brings the index up to date; the row says what the last scan knew.
      }
    },

    deployProject: async (name, choices = {}) => {
      if (refuse(`deploy ${name}`) || !projects) return undefined;
      const entry = entryOf(name);
      const payload =
        entry && projects.deployPayload(entry, { ...choices, readOnly: get().workspace.readOnly });
      if (!entry || !payload) {
        notify('error', `deploy ${name}: ${entry ? describeErrors(entry) : 'no such project'}`);
        return undefined;
      }
      return enqueue(`deploy ${name}`, name, 'deploy', payload);
    },

    destroyProject: async (name, choices = {}) => {
      if (refuse(`destroy ${name}`) || !projects) return undefined;
      const entry = entryOf(name);
      if (!entry) {
        notify('error', `destroy ${name}: no such project`);
        return undefined;
      }
      const payload = projects.destroyPayload(entry, { ...choices, readOnly: get().workspace.readOnly });
      return enqueue(`destroy ${name}`, name, 'destroy', payload);
    },

    resumeProject: async (name) => {
      if (refuse(`resume ${name}`) || !projects) return undefined;
      const jobs = actions.projectJobs(name);
      const job = resumableDeploy(jobs);
      if (job?.payload) {
        return enqueue(
          `resume ${name}`,
          name,
          'deploy',
          projects.resumePayload(job.payload as DeployPayload, job.id),
        );
      }
      // The job is gone from the queue (a console restarted without Redis): the state file remembers it.
      const entry = entryOf(name);
      const last = entry?.state?.lastJob;
      const stopped =
        entry?.state && (entry.state.status === 'error' || entry.state.status === 'in_progress');
      if (!entry || !last || last.kind !== 'deploy' || !stopped || jobs[0]) {
        notify(
          'warn',
          `resume ${name}: no stopped deploy to resume${jobs[0] ? ` (its last job ${jobs[0].id} is ${jobs[0].status})` : ''}`,
        );
        return undefined;
      }
      if (last.blueprintSha256 && last.blueprintSha256 !== entry.sha256) {
        notify(
          'error',
          `resume ${name}: the blueprint changed since job ${last.jobId}; deploy it again (D) instead`,
        );
        return undefined;
      }
      const fresh = projects.deployPayload(entry, { readOnly: get().workspace.readOnly });
      if (!fresh) {
        notify('error', `resume ${name}: ${describeErrors(entry)}`);
        return undefined;
      }
      const deployId = last.deployId ?? `job-${last.jobId}`;
      return enqueue(`resume ${name}`, name, 'deploy', { ...fresh, deployId, resumeOf: last.jobId });
    },

    rollbackProject: async (name, choices = {}) => {
      if (refuse(`rollback ${name}`) || !projects) return undefined;
      const readOnly = get().workspace.readOnly;
      const job = lastDeploy(actions.projectJobs(name));
      if (job?.payload) {
        const payload = projects.rollbackPayload(job.payload as DeployPayload, job.id, {
          ...choices,
          readOnly,
        });
        return enqueue(`rollback ${name}`, name, 'destroy', payload);
      }
      const entry = entryOf(name);
      const last = entry?.state?.lastJob;
      if (!entry || !last || last.kind !== 'deploy') {
        notify('warn', `rollback ${name}: no deploy of ${name} is known to roll back`);
        return undefined;
      }
      const payload = projects.destroyPayload(entry, { ...choices, readOnly });
      return enqueue(`rollback ${name}`, name, 'destroy', {
        ...payload,
        rollbackOf: last.deployId ?? `job-${last.jobId}`,
      });
    },

    setAwaitingApproval: (name) => slice({ awaiting: name }),
    showProject: (name) => slice({ open: name, wizard: false }),
    showWizard: (open) => slice({ wizard: open, open: undefined }),

    checkDraft: (input) => projects?.draftProblems(input) ?? [],
    draftYaml: (input) => projects?.draftYaml(input) ?? '',

    saveNewProject: async (input) => {
      if (!projects) return { ok: false, errors: [noFolder()] };
      const saved = await projects.saveNew(input);
      if (saved.ok) {
        notify('info', `wrote ${saved.file}`);
        await actions.reloadProjects();
      }
      return saved;
    },

    editorFor: (name) => {
      const entry = entryOf(name);
      if (!projects || !entry) {
        notify('error', `edit ${name}: no such project`);
        return undefined;
      }
      if (!entry.file.endsWith('.yaml') && !entry.file.endsWith('.yml')) {
        notify('warn', `edit ${name}: the blueprint is gone; only its state file is left (${entry.file})`);
        return undefined;
      }
      return { ...projects.editor(entry.file), file: entry.file };
    },

    afterEdit: async (name, file, exitCode) => {
      await actions.reloadProjects();
      const entry = get().projects.entries.find((e) => e.file === file) ?? entryOf(name);
      const editor = exitCode === 0 ? '' : ` (the editor exited with code ${exitCode})`;
      if (!entry) notify('warn', `${file} is gone${editor}`);
      else if (entry.errors.length > 0) notify('error', `${describeErrors(entry)}${editor}`);
      else notify('info', `${entry.name}: ${file} is valid${editor}`);
    },
  };
  return actions;
}

export function emptyProjectsSlice(): ProjectsSlice {
  return { entries: [], loaded: false, queuedHere: {}, plans: {}, wizard: false };
}

/** What the index holds of a project (by its tag). */
function projectResources(index: ResourceIndex, project: string): Resource[] {
  return index.query({ project });
}

function describeErrors(entry: ProjectEntryView): string {
  const [first, ...more] = [...entry.errors, ...entry.stateErrors];
  if (!first) return 'not valid';
  return `${formatSourceError(first)}${more.length ? ` (and ${more.length} more)` : ''}`;
}

function noFolder(): SourceError {
  return { file: '', line: 0, column: 0, path: '', message: 'no projects folder in this console' };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
