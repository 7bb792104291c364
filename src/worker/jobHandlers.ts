import { type JobKind, jobKinds } from '../domain/job';
import { type OpenRunMetrics, runMetricsOpener } from '../services/ai/runMetrics';
import { busSettings } from '../services/bus/busFromEnv';
import type { Handler, Handlers } from '../services/bus/contracts';
import type { CloudProvider } from '../services/cloud/cloudProvider';
import type { OpenCloudOptions } from '../services/cloud/openCloud';
import type { ProjectJobDeps } from '../services/projects/deployProject';
import { batchHandler } from './handlers/batch';
import { batchTargetHandler } from './handlers/batchTarget';
import { ciHandler } from './handlers/ci';
import type { CloudJobDeps } from './handlers/cloudJobContext';
import { commandHandler } from './handlers/command';
import { deployHandler } from './handlers/deploy';
import { destroyHandler } from './handlers/destroy';
import { experimentRunHandler } from './handlers/experimentRun';
import { instancesHandler } from './handlers/instances';
import { modelHandler } from './handlers/model';
import { pipelineHandler } from './handlers/pipeline';
import { pipelineStepHandler } from './handlers/pipelineStep';
import { powerHandler } from './handlers/power';
import { scanHandler } from './handlers/scan';
import { terminateHandler } from './handlers/terminate';

export interface JobHandlerDeps {
  /**
   * The cloud the cloud jobs act on, asked for at the start of each job. The console passes the provider it
   * shows (so the embedded runner and the screens share one demo cloud, and `:profile` switches both);
   * default: the cloud of this process's environment, opened on first use.
   */
  cloud?: () => Promise<CloudProvider>;
  /** The workspace folder: scans are cached in it. */
  dataDir?: string;
  /** Refuse every job that changes something (`--readonly`, `INFRADECK_READONLY=1`). */
  readOnly?: boolean;
  /** Instance state waits (tests shorten them). */
  waitTimeoutMs?: number;
  pollMs?: number;
  /** Where experiment runs keep their metrics (`handlerDepsFor`: Redis with REDIS_URL); default the workspace's files. */
  runMetrics?: OpenRunMetrics;
}

/** Builds the handler of one kind from what the worker has: its cloud (opened lazily), folder and flags. */
export type HandlerFactory<K extends JobKind> = (
  deps: CloudJobDeps & Pick<JobHandlerDeps, 'runMetrics'>,
) => Handler<K>;
export type HandlerFactories = { [K in JobKind]: HandlerFactory<K> };

/** The handler of every kind declared in `domain/jobKinds.ts`: a kind without one does not compile. */
export const handlerFactories: HandlerFactories = {
  command: (deps) => commandHandler({ readOnly: deps.readOnly }),
  scan: scanHandler,
  terminate: terminateHandler,
  power: powerHandler,
  instances: instancesHandler,
  deploy: (deps) => withProjectDeps(deps, deployHandler),
  destroy: (deps) => withProjectDeps(deps, destroyHandler),
  batch: () => batchHandler(),
  batchTarget: (deps) => batchTargetHandler({ dataDir: deps.dataDir, readOnly: deps.readOnly }),
  ci: (deps) => ciHandler({ readOnly: deps.readOnly }),
  pipeline: () => pipelineHandler(),
  pipelineStep: (deps) => pipelineStepHandler({ readOnly: deps.readOnly }),
  experimentRun: (deps) =>
    experimentRunHandler({ readOnly: deps.readOnly, dataDir: deps.dataDir, metrics: deps.runMetrics }),
  model: (deps) => modelHandler({ readOnly: deps.readOnly, dataDir: deps.dataDir, cloud: deps.cloud }),
};

/** Every job kind this version of infradeck can run, by kind, bound to a worker's cloud, folder and flags. */
export function jobHandlersFor(deps: JobHandlerDeps = {}): Handlers {
  const bound: CloudJobDeps & JobHandlerDeps = { ...deps, cloud: deps.cloud ?? lazyCloud({}) };
  return Object.fromEntries(jobKinds.map((kind) => [kind, handlerFactories[kind](bound)])) as Handlers;
}

/** A project job opens the cloud when it starts, and only on a worker with a workspace folder. */
function withProjectDeps<K extends 'deploy' | 'destroy'>(
  deps: CloudJobDeps,
  handlerFor: (deps: ProjectJobDeps) => Handler<K>,
): Handler<K> {
  return async (payload, ctx) => {
    if (!deps.dataDir)
      throw new Error('refused: this worker has no workspace folder (--data) for project state');
    const project = { cloud: await deps.cloud(), dataDir: deps.dataDir, readOnly: deps.readOnly };
    return handlerFor(project)(payload, ctx);
  };
}

/**
 * The handlers with this process's defaults: the cloud of its environment (opened by the first cloud job),
 * no scan cache, read-only when `INFRADECK_READONLY` says so. Commands and workers use `jobHandlersFor`.
 */
export const jobHandlers: Handlers = jobHandlersFor({ readOnly: readOnlyFromEnv(process.env) });

/**
 * Opens the cloud on first use, once: a worker that only runs commands never calls AWS. A failed open is
 * tried again by the next job.
 */
export function lazyCloud(options: OpenCloudOptions): () => Promise<CloudProvider> {
  let opening: Promise<CloudProvider> | undefined;
  return () => {
    // Loaded here, not at the top: the AWS SDK is a large part of start-up time and most processes never need it.
    opening ??= import('../services/cloud/openCloud')
      .then(({ openCloud }) => openCloud(options))
      .then(
        (opened) => opened.provider,
        (err) => {
          opening = undefined;
          throw err;
        },
      );
    return opening;
  };
}

/** `INFRADECK_READONLY=1` (or true/yes): a worker, console or command that must not change anything. */
export function readOnlyFromEnv(env: NodeJS.ProcessEnv): boolean {
  return /^(1|true|yes|on)$/i.test(env.INFRADECK_READONLY?.trim() ?? '');
}

/** The global flags a headless command or worker passes on to its handlers. */
export interface WorkerFlags {
  /** `--readonly`. */
  readOnly?: boolean;
  /** `--demo`, `--profile`, `--region`. */
  cloud?: OpenCloudOptions;
}

/** What the handlers of a headless command or worker need, from its flags and environment. */
export function handlerDepsFor(
  io: WorkerFlags & { env: NodeJS.ProcessEnv; workspace?: { dataDir: string } },
): JobHandlerDeps {
  return {
    cloud: lazyCloud({ env: io.env, ...io.cloud }),
    dataDir: io.workspace?.dataDir,
    readOnly: io.readOnly === true || readOnlyFromEnv(io.env),
    runMetrics: runMetricsOpener({ ...busSettings(io.env), dataDir: io.workspace?.dataDir }),
  };
}
