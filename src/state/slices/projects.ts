import type { BlueprintInput } from '../../domain/blueprint';
import { blueprintYaml, draftProblems } from '../../domain/blueprintDraft';
import { type DeployPlan, planDeploy } from '../../domain/plan';
import type { ProjectEntry } from '../../domain/projectEntry';
import type { DeployPayload, DeployPayloadInput, DestroyPayloadInput } from '../../domain/projectJobs';
import {
  deployPayloadFor,
  destroyPayloadFor,
  type PayloadOptions,
  resumePayload,
  rollbackPayload,
} from '../../domain/projectPayloads';
import type { Resource, ResourceIndex } from '../../domain/resource';
import { formatSourceError, type SourceError } from '../../domain/sourceError';
import { lastDeploy, projectJobs, resumableDeploy, runningJob } from '../selectors/projects';
import type { DeckBus } from '../services/bus';
import type { DraftSave } from '../services/projects';
import { errorText, followChanges, type Slice } from '../slice';

export interface PayloadChoices extends PayloadOptions {
  emptyBuckets?: boolean;
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

/** Where the new-blueprint wizard's focus is, as its keys depend on it (the screen says what they are). */
export interface WizardFocus {
  /** The step's id (`project`, `network`, `instances`, `buckets`, `review`). */
  step: string;
  /** What an item of the step's list is called (`subnet`), when the step has one. */
  item?: string;
  /** The focused field: a text, a toggle, or none (a list with no item yet). */
  field: 'text' | 'toggle' | 'none';
  /** The focused field belongs to an item of the list (Ctrl-X removes that item). */
  inItem: boolean;
}

export interface ProjectsState {
  entries: ProjectEntry[];
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
  /** Where the open wizard's focus is: the keys its hint line offers follow it. */
  wizardFocus?: WizardFocus;
  watchError?: string;
}

export interface ProjectsActions {
  /** Loads the projects and watches the folder; returns the stop. */
  connect(): () => void;
  reload(): Promise<void>;
  /** Plans the project against the cloud now (the index without a cloud) and keeps the result. */
  plan(name: string): Promise<ProjectPlan | undefined>;
  /** After the project's job ended: reads its state file and looks it up again, so its row is current. */
  refreshResources(name: string): Promise<void>;
  deploy(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  destroy(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  resume(name: string): Promise<string | undefined>;
  rollback(name: string, choices?: PayloadChoices): Promise<string | undefined>;
  setAwaitingApproval(name: string | undefined): void;
  /** Opens a project's details (undefined: back to the list). */
  show(name: string | undefined): void;
  showWizard(open: boolean): void;
  /** The wizard's focus moved (a field, a step). */
  focusWizard(focus: WizardFocus): void;
  checkDraft(input: BlueprintInput): SourceError[];
  draftYaml(input: BlueprintInput): string;
  saveNew(input: BlueprintInput): Promise<DraftSave>;
  /** The editor command for the project's file; undefined (and a message) when there is none. */
  editorFor(name: string): { program: string; args: string[]; file: string } | undefined;
  /** After the editor: read the folder again and say whether the file is valid now. */
  afterEdit(name: string, file: string, exitCode: number): Promise<void>;
}

/** The blueprints of `projects/` with their state files (Deployments screen), their plans and their jobs. */
export const projectsSlice: Slice<'projects', ProjectsState, ProjectsActions> = {
  name: 'projects',
  initial: () => ({ entries: [], loaded: false, queuedHere: {}, plans: {}, wizard: false }),
  actions: ({ services, get, patch, notify, now }) => {
    const { projects, bus } = services;
    const entryOf = (name: string) => get().projects.entries.find((e) => e.name === name);
    const jobsOf = (name: string) => projectJobs(get(), name);
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
      const running = runningJob(jobsOf(project));
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
        patch({ queuedHere: { ...get().projects.queuedHere, [id]: project } });
        notify('info', `${what}: job ${id} queued`);
        return id;
      } catch (error) {
        notify('error', `${what}: ${errorText(error)}`);
        return undefined;
      }
    };

    const actions: ProjectsActions = {
      connect: () => {
        if (!projects) {
          patch({ loaded: true });
          return () => {};
        }
        return followChanges(
          (onChange, onError) => projects.watch(onChange, onError),
          () => void actions.reload(),
          (message) => patch({ watchError: message }),
        );
      },

      reload: async () => {
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
            patch({ entries, loaded: true });
          } while (reloadAgain);
        })().finally(() => {
          reloading = undefined;
        });
        return reloading;
      },

      plan: async (name) => {
        const entry = entryOf(name);
        if (!entry?.blueprint) {
          notify('error', entry ? notValid(`plan ${name}`, entry) : `plan ${name}: no such project`);
          return undefined;
        }
        const bp = entry.blueprint;
        const setPlan = (p: ProjectPlan) => patch({ plans: { ...get().projects.plans, [name]: p } });
        const before = get().projects.plans[name];
        setPlan({ ...before, resources: before?.resources ?? [], loading: true });
        let resources: Resource[];
        let against: ProjectPlan['against'] = 'index';
        let error: string | undefined;
        if (projects?.lookUp) {
          try {
            resources = await projects.lookUp(bp.name, bp.region);
            against = 'cloud';
            get().actions.cloud.lookedUp(bp.name, bp.region, resources);
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

      refreshResources: async (name) => {
        void actions.reload();
        if (get().projects.plans[name]) {
          await actions.plan(name);
          return;
        }
        const entry = entryOf(name);
        const region = entry?.blueprint?.region ?? entry?.state?.region;
        if (!projects?.lookUp || !region) return;
        try {
          const found = await projects.lookUp(name, region);
          get().actions.cloud.lookedUp(name, region, found);
        } catch {
          // The next scan brings the index up to date; the row says what the last scan knew.
        }
      },

      deploy: async (name, choices = {}) => {
        if (refuse(`deploy ${name}`)) return undefined;
        const entry = entryOf(name);
        const payload = entry && deployPayloadFor(entry, { ...choices, readOnly: get().workspace.readOnly });
        if (!entry || !payload) {
          notify('error', entry ? notValid(`deploy ${name}`, entry) : `deploy ${name}: no such project`);
          return undefined;
        }
        return enqueue(`deploy ${name}`, name, 'deploy', payload);
      },

      destroy: async (name, choices = {}) => {
        if (refuse(`destroy ${name}`)) return undefined;
        const entry = entryOf(name);
        if (!entry) {
          notify('error', `destroy ${name}: no such project`);
          return undefined;
        }
        const payload = destroyPayloadFor(entry, { ...choices, readOnly: get().workspace.readOnly });
        return enqueue(`destroy ${name}`, name, 'destroy', payload);
      },

      resume: async (name) => {
        if (refuse(`resume ${name}`)) return undefined;
        const jobs = jobsOf(name);
        const job = resumableDeploy(jobs);
        if (job?.payload) {
          return enqueue(
            `resume ${name}`,
            name,
            'deploy',
            resumePayload(job.payload as DeployPayload, job.id),
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
        const fresh = deployPayloadFor(entry, { readOnly: get().workspace.readOnly });
        if (!fresh) {
          notify('error', notValid(`resume ${name}`, entry));
          return undefined;
        }
        const deployId = last.deployId ?? `job-${last.jobId}`;
        return enqueue(`resume ${name}`, name, 'deploy', { ...fresh, deployId, resumeOf: last.jobId });
      },

      rollback: async (name, choices = {}) => {
        if (refuse(`rollback ${name}`)) return undefined;
        const readOnly = get().workspace.readOnly;
        const job = lastDeploy(jobsOf(name));
        if (job?.payload) {
          const payload = rollbackPayload(job.payload as DeployPayload, job.id, { ...choices, readOnly });
          return enqueue(`rollback ${name}`, name, 'destroy', payload);
        }
        const entry = entryOf(name);
        const last = entry?.state?.lastJob;
        if (!entry || !last || last.kind !== 'deploy') {
          notify('warn', `rollback ${name}: no deploy of ${name} is known to roll back`);
          return undefined;
        }
        const payload = destroyPayloadFor(entry, { ...choices, readOnly });
        return enqueue(`rollback ${name}`, name, 'destroy', {
          ...payload,
          rollbackOf: last.deployId ?? `job-${last.jobId}`,
        });
      },

      setAwaitingApproval: (name) => patch({ awaiting: name }),
      show: (name) => patch({ open: name, wizard: false, wizardFocus: undefined }),
      showWizard: (open) => {
        // The wizard writes a blueprint into projects/: a change, refused read-only before anything is typed.
        if (open && get().workspace.readOnly) {
          notify('error', 'new blueprint: refused, infradeck runs read-only (--readonly)');
          return;
        }
        patch({ wizard: open, open: undefined, wizardFocus: undefined });
      },
      focusWizard: (focus) => {
        const was = get().projects.wizardFocus;
        const same =
          was?.step === focus.step &&
          was.item === focus.item &&
          was.field === focus.field &&
          was.inItem === focus.inItem;
        if (!same) patch({ wizardFocus: focus });
      },

      checkDraft: (input) => draftProblems(input),
      draftYaml: (input) => blueprintYaml(input),

      saveNew: async (input) => {
        if (!projects) return { ok: false, errors: [noFolder()] };
        const saved = await projects.saveNew(input);
        if (saved.ok) {
          notify('info', `wrote ${saved.file}`);
          await actions.reload();
        }
        return saved;
      },

      editorFor: (name) => {
        const entry = entryOf(name);
        // A blueprint edited is a change, as the Scheduler's `E` is: refused read-only.
        if (get().workspace.readOnly) {
          notify('error', `edit ${name}: refused, infradeck runs read-only (--readonly)`);
          return undefined;
        }
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
        await actions.reload();
        const entry = get().projects.entries.find((e) => e.file === file) ?? entryOf(name);
        const editor = exitCode === 0 ? '' : ` (the editor exited with code ${exitCode})`;
        if (!entry) notify('warn', `${file} is gone${editor}`);
        else if (entry.errors.length > 0) notify('error', `${describeErrors(entry)}${editor}`);
        else notify('info', `${entry.name}: ${file} is valid${editor}`);
      },
    };
    return actions;
  },
};

/** What the index holds of a project (by its tag). */
function projectResources(index: ResourceIndex, project: string): Resource[] {
  return index.query({ project });
}

/**
 * `plan web` refused for an invalid blueprint: the first problem leads, with its place, so the message line (which
 * shortens a leading path to its file name) shows what and where at 80 columns, not `plan web: …`.
 */
function notValid(what: string, entry: ProjectEntry): string {
  const [first, ...more] = [...entry.errors, ...entry.stateErrors];
  if (!first) return `${what}: not valid`;
  return `${formatSourceError(first)} (${more.length ? `and ${more.length} more; ` : ''}${what} refused)`;
}

function describeErrors(entry: ProjectEntry): string {
  const [first, ...more] = [...entry.errors, ...entry.stateErrors];
  if (!first) return 'not valid';
  return `${formatSourceError(first)}${more.length ? ` (and ${more.length} more)` : ''}`;
}

function noFolder(): SourceError {
  return { file: '', line: 0, column: 0, path: '', message: 'no projects folder in this console' };
}
