import { declareCommand } from './declaration';

export const aiVerbs = ['experiments', 'runs', 'run', 'metrics'] as const;
export type AiVerb = (typeof aiVerbs)[number];

export const aiDeclaration = declareCommand({
  name: 'ai',
  summary: 'AI workloads: experiments, their runs and metrics',
  description:
    'experiments: the experiments of the workspace (ai/experiments/*.yaml) with their params and grid; a file with ' +
    'errors is reported with positions (exit 2). runs: the experiment runs, newest first, with status, params, the ' +
    'best value of the main metric and duration. run EXPERIMENT: one run, or one per combination of its grid ' +
    '(--param NAME=VALUE sets a param, and takes a grid key out of the grid); with --wait it follows the runs to ' +
    'their end (Ctrl-C cancels them); without REDIS_URL they run in this process, so it always waits. metrics RUN: ' +
    'each metric of the run (its points with --json), from the metrics store (Redis, or the workspace’s ' +
    '.cache/ai/metrics), and its checkpoints.',
  args: [
    { name: 'experiments|runs|run|metrics', help: 'what to do' },
    { name: 'EXPERIMENT|RUN', help: 'run: an experiment’s name; metrics: the run’s job id', optional: true },
  ],
  flags: {
    param: {
      type: 'string',
      value: 'NAME=VALUE',
      multiple: true,
      help: 'run: a param’s value for this request (repeat for more)',
    },
    name: { type: 'string', value: 'METRIC', help: 'metrics: only this metric' },
    wait: { type: 'boolean', help: 'run: follow the runs to their end; the exit code says how they ended' },
    json: {
      type: 'boolean',
      help: 'as JSON; metrics: {run, metrics: [{name, points: [{step, value, time}]}], checkpoints}',
    },
  },
  exits: {
    0: 'ok; with --wait: every run completed',
    1: 'a run failed; or the request was refused (read-only), or no such run',
    2: 'bad input: an experiment file with errors (with positions), an unknown experiment, param or metric; nothing started',
    3: 'Redis unreachable',
    4: 'a run was cancelled',
  },
  // The experiment domain, the bus and the metrics store load with the command, not with every other command.
  run: async (argv, io) => (await import('./aiActions')).aiCommand(argv, io),
});
