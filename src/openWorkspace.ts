import { resolve } from 'node:path';
import type { DeckConfig } from './domain/config';
import type { Requester } from './domain/job';
import { formatSourceError } from './domain/sourceError';
import { enforceAccessIn } from './services/access/accessPolicy';
import { deckAccessFor } from './services/access/deckAccess';
import { deckAiFor } from './services/ai/deckAi';
import { deckAssistantFor } from './services/ai/deckAssistant';
import { deckBatchesFor } from './services/batch/deckBatches';
import { busSettings } from './services/bus/busFromEnv';
import type { Bus } from './services/bus/contracts';
import { openBus } from './services/bus/openBus';
import { currentRequester } from './services/bus/requester';
import type { CloudProvider } from './services/cloud/cloudProvider';
import { readAllRepoStatus, readCommit, readRepoDetails } from './services/git/gitRepo';
import { setWorkspaceIdentity } from './services/identity/workspaceIdentity';
import { deckPipelinesFor } from './services/pipelines/deckPipelines';
import { loadProjects } from './services/projects/loadProjects';
import { lookUpProject } from './services/projects/lookUpProject';
import { saveNewBlueprint } from './services/projects/newBlueprint';
import { watchProjects } from './services/projects/watchProjects';
import { consoleSchedules, schedulesStartMs } from './services/scheduler/consoleSchedules';
import { deckSchedulesFor } from './services/scheduler/deckSchedules';
import type { ScheduleRunner } from './services/scheduler/scheduleRunner';
import { defaultConfigPath, type LoadedConfig, loadConfig } from './services/storage/configFile';
import { editorCommand } from './services/storage/editorCommand';
import { historyFiles } from './services/storage/historyFile';
import { defaultDataDir, loadRepoEntries, workspacePaths } from './services/storage/workspace';
import { deckTimelineFor } from './services/timeline/deckTimeline';
import type { DeckServices } from './state/deckServices';
import type { DeckBus } from './state/services/bus';
import type { DeckProjects } from './state/services/projects';
import { type JobHandlerDeps, jobHandlersFor, readOnlyFromEnv } from './worker/jobHandlers';

export interface WorkspaceOptions {
  dataDir?: string;
  configPath?: string;
  env: NodeJS.ProcessEnv;
}

export interface Workspace {
  dataDir: string;
  configPath: string;
  config: DeckConfig;
  /** Problems in config.yaml, already formatted `file:line:col: path: message`. */
  configErrors: string[];
  /** A located problem for a value of config.yaml (its keys are checked once the screens are known). */
  configErrorAt: LoadedConfig['errorAt'];
  services: DeckServices;
}

/** Loads the config and wires the services every caller (console or headless command) uses. */
export async function openWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const dataDir = resolve(opts.dataDir ?? opts.env.INFRADECK_DATA ?? defaultDataDir(opts.env));
  const configPath = resolve(opts.configPath ?? defaultConfigPath(opts.env));
  const loaded = await loadConfig(configPath, { explicit: opts.configPath !== undefined });
  const config = loaded.config;
  // Requests this process queues are signed, and the jobs it runs verified, per this workspace and config.
  setWorkspaceIdentity({ dataDir, access: config.access, env: opts.env });
  // Its access.yaml is what this process enforces at enqueue and in its worker.
  enforceAccessIn(dataDir);

  const services: DeckServices = {
    repos: {
      list: async () => {
        const { entries, errors } = await loadRepoEntries(dataDir, config);
        const rows = await readAllRepoStatus(entries);
        return { rows, errors: errors.map(formatSourceError) };
      },
      details: (entry) => readRepoDetails(entry),
      commit: (entry, hash) => readCommit(entry, hash),
    },
    projects: deckProjectsFor(dataDir, opts.env),
    schedules: deckSchedulesFor(dataDir, opts.env),
    batches: deckBatchesFor(dataDir, opts.env),
    pipelines: deckPipelinesFor({ dataDir, config, env: opts.env }),
    assistant: deckAssistantFor(opts.env),
    timeline: deckTimelineFor({ dataDir, config, env: opts.env }),
    ai: deckAiFor({ dataDir, env: opts.env }),
    access: deckAccessFor(dataDir, opts.env),
    history: historyFiles(opts.env),
  };
  return {
    dataDir,
    configPath,
    config,
    configErrors: loaded.errors.map(formatSourceError),
    configErrorAt: loaded.errorAt,
    services,
  };
}

/**
 * The projects folder for the console. `cloud`: the provider the console shows, for the plan's tag look-up
 * (without it plans and sync use the resource index of the last scan).
 */
export function deckProjectsFor(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  cloud?: () => Promise<CloudProvider>,
): DeckProjects {
  return {
    dir: workspacePaths(dataDir).projectsDir,
    list: () => loadProjects(dataDir),
    watch: (onChange, onError) => watchProjects(dataDir, onChange, { onError }),
    ...(cloud
      ? { lookUp: async (project: string, region: string) => lookUpProject(await cloud(), project, region) }
      : {}),
    saveNew: async (input) => {
      const saved = await saveNewBlueprint(dataDir, input);
      return saved.ok ? { ok: true, file: saved.file } : saved;
    },
    editor: (file) => editorCommand(env, file),
  };
}

/**
 * The worker layer for this process: Redis when `REDIS_URL` is set (this process enqueues and listens,
 * `infradeck worker` processes run the jobs), otherwise the in-process runner (the embedded default).
 * Never rejects because Redis is unreachable: the bus opens degraded and says so in its state.
 * `handlerDeps`: the cloud the in-process runner acts on (the console's own), and its read-only flag.
 */
export async function openWorkers(
  workspace: Workspace,
  env: NodeJS.ProcessEnv,
  handlerDeps: JobHandlerDeps = {},
): Promise<{ bus: Bus; deckBus: DeckBus; schedules: ScheduleRunner }> {
  const readOnly = handlerDeps.readOnly === true || readOnlyFromEnv(env);
  const schedules = consoleSchedules(workspace.dataDir, env, readOnly, () => bus);
  const bus: Bus = await openBus({
    ...busSettings(env),
    handlers: schedules.wrap(jobHandlersFor({ dataDir: workspace.dataDir, ...handlerDeps, readOnly })),
    scheduledJob: schedules.scheduledJob,
    dataDir: workspace.dataDir,
    env,
  });
  schedules.startLater(bus, schedulesStartMs);
  return { bus, deckBus: deckBusOf(bus, currentRequester(env)), schedules };
}

/** The console's view of a bus: what it may do, acting for `requester`. */
export function deckBusOf(bus: Bus, requester: Requester): DeckBus {
  return {
    transport: bus.transport,
    target: bus.target,
    requester,
    queue: bus.queue,
    events: bus.events,
    state: bus.state,
    workers: () => bus.workers(),
    audit: bus.audit,
  };
}
