import { declareCommand } from './declaration';

export const aiVerbs = [
  'experiments',
  'runs',
  'run',
  'metrics',
  'models',
  'register',
  'promote',
  'rollout',
] as const;
export type AiVerb = (typeof aiVerbs)[number];
/** The registry's and rollouts' verbs and flags: `aiModels.ts` runs them. */
export const modelVerbs = ['models', 'register', 'promote', 'rollout'] as const;
export const modelFlags = [
  'model',
  'artifact',
  'servers',
  'serial',
  'deploy',
  'health',
  'rollback',
  'local',
  'target',
] as const;

export const aiDeclaration = declareCommand({
  name: 'ai',
  summary: 'AI workloads: experiments, runs, metrics, models, rollouts',
  description:
    'experiments: the experiments of the workspace (ai/experiments/*.yaml) with their params and grid; a file with ' +
    'errors is reported with positions (exit 2). runs: the experiment runs, newest first, with status, params, the ' +
    'best value of the main metric and duration. run EXPERIMENT: one run, or one per combination of its grid ' +
    '(--param NAME=VALUE sets a param, and takes a grid key out of the grid); with --wait it follows the runs to ' +
    'their end (Ctrl-C cancels them); without REDIS_URL they run in this process, so it always waits. metrics RUN: ' +
    'each metric of the run (its points with --json), from the metrics store (Redis, or the workspace’s ' +
    '.cache/ai/metrics), and its checkpoints. models: the registry (ai/models/*.yaml) with each version’s stage, ' +
    'run, final metrics and artifact; with MLFLOW_TRACKING_URI also that MLflow server’s experiments, runs and ' +
    'registered models (read only). register RUN --model NAME: the run as the model’s next version, in staging ' +
    '(its params, final metrics, and artifact: --artifact URI or its last checkpoint; an s3:// one must exist). ' +
    'promote MODEL VERSION staging|production|archived: a stage change (production archives the version there ' +
    'before). rollout MODEL VERSION: a batch of --deploy on each of --servers (INFRADECK_MODEL and ' +
    'INFRADECK_MODEL_VERSION set), then --health; it pauses after each --serial wave (default 1,50%), and a failed ' +
    'target stops it (defaults from the model’s rollout:). rollout advance RUN: the next wave. rollout rollback ' +
    'RUN: --rollback on the targets it deployed to, with the previous production version. rollout ' +
    'simulate-incident RUN [--target NAME]: DEMO cloud only, a local rollout’s health check starts failing on a ' +
    'target. Registry changes are jobs: audited, refused read-only.',
  args: [
    { name: 'experiments|runs|run|metrics|models|register|promote|rollout', help: 'what to do' },
    {
      name: 'EXPERIMENT|RUN|MODEL',
      help: 'run: an experiment’s name; metrics, register: the run’s job id; promote, rollout: the model',
      optional: true,
    },
    {
      name: 'VERSION|RUN',
      help: 'promote, rollout: the version; rollout advance|rollback|simulate-incident: the run',
      optional: true,
    },
    { name: 'STAGE', help: 'promote: staging, production or archived', optional: true },
  ],
  flags: {
    param: {
      type: 'string',
      value: 'NAME=VALUE',
      multiple: true,
      help: 'run: a param’s value for this request (repeat for more)',
    },
    name: { type: 'string', value: 'METRIC', help: 'metrics: only this metric' },
    wait: {
      type: 'boolean',
      help: 'run, rollout: follow the runs (the rollout) to their end; the exit code says how they ended',
    },
    model: { type: 'string', value: 'NAME', help: 'register: the model the run becomes a version of' },
    artifact: {
      type: 'string',
      value: 'URI',
      help: 'register: the artifact (default: the run’s last checkpoint)',
    },
    servers: { type: 'string', value: 'a,b,c', help: 'rollout: servers.yaml names or addresses' },
    serial: { type: 'string', value: 'N|N%|a,b', help: 'rollout: wave sizes (default 1,50%)' },
    deploy: { type: 'string', value: 'CMD', help: 'rollout: the deploy command (sh -c) on each target' },
    health: { type: 'string', value: 'CMD', help: 'rollout: the health check after each deploy' },
    rollback: { type: 'string', value: 'CMD', help: 'rollout, rollout rollback: the rollback command' },
    local: {
      type: 'boolean',
      help: 'rollout: run the commands on the worker (INFRADECK_TARGET set), not over ssh',
    },
    target: {
      type: 'string',
      value: 'NAME',
      help: 'rollout simulate-incident: the target whose health fails',
    },
    json: {
      type: 'boolean',
      help: 'as JSON; metrics: {run, metrics: [{name, points: [{step, value, time}]}], checkpoints}',
    },
  },
  exits: {
    0: 'ok; with --wait: every run completed',
    1: 'a run or rollout failed, or (waited for) is gone from Redis (restarted empty); or the request was refused (read-only, missing artifact)',
    2: 'bad input: an experiment or model file with errors (with positions), an unknown experiment, run, param, metric, model, version or stage; nothing started',
    3: 'Redis or the MLflow server unreachable',
    4: 'a run or rollout was cancelled',
  },
  // The experiment domain, the bus and the metrics store load with the command, not with every other command.
  run: async (argv, io) => (await import('./aiActions')).aiCommand(argv, io),
});
