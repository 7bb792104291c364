import { declareCommand } from './declaration';

export const batchVerbs = ['run', 'status', 'advance', 'retry', 'cancel'] as const;
export type BatchVerb = (typeof batchVerbs)[number];

export const batchDeclaration = declareCommand({
  name: 'batch',
  summary: 'one action on many servers in waves: run, status, advance, retry, cancel',
  description:
    'run NAME|FILE: a batch of batches/*.yaml (by name) or a file. Ad hoc: run --targets a,b,c | --project P | ' +
    '--tag k=v [--local] [--serial N|N%] [--max-fail P] [--pause S|manual] [--timeout D] -- PROGRAM ARGS… ' +
    '(over ssh, or with --local on the worker with INFRADECK_TARGET set). Without --yes, run prints the targets ' +
    'and waves and starts nothing; with --yes it starts the batch and follows it to its end, a line per target ' +
    'as it ends (Ctrl-C cancels it). After each wave, a wave where more than --max-fail % of the targets failed ' +
    "(default 0: any) stops the batch, as Ansible's max_fail_percentage. status RUN: the run's targets " +
    '(without RUN: the latest runs). advance RUN: a paused run starts its next wave now. retry RUN: a new run of ' +
    'the failed and cancelled targets of a run that ended, in waves again. cancel RUN: cancels the run ' +
    'and its running targets.',
  args: [
    { name: 'run|status|advance|retry|cancel', help: 'what to do' },
    {
      name: 'NAME|FILE|RUN',
      optional: true,
      help: 'run: a batch name or file (none for an ad-hoc batch); the others: the run’s job id',
    },
  ],
  flags: {
    targets: {
      type: 'string',
      value: 'a,b,c',
      help: 'ad hoc: servers.yaml names or addresses ([user@]host[:port])',
    },
    project: {
      type: 'string',
      value: 'P',
      help: 'ad hoc: the servers.yaml hosts and EC2 instances of a project',
    },
    tag: {
      type: 'string',
      value: 'k=v',
      help: 'ad hoc: the servers.yaml hosts and EC2 instances with this tag',
    },
    local: {
      type: 'boolean',
      help: 'ad hoc: run PROGRAM on the worker (INFRADECK_TARGET set), not over ssh',
    },
    serial: { type: 'string', value: 'N|N%|a,b', help: 'ad hoc: wave sizes (default: one wave of all)' },
    'max-fail': { type: 'string', value: 'P', help: 'ad hoc: the % of a wave that may fail (default 0)' },
    pause: { type: 'string', value: 'S|manual', help: 'ad hoc: between waves: a duration (30s) or manual' },
    timeout: { type: 'string', value: 'D', help: 'ad hoc: per target (default 10m)' },
    name: { type: 'string', value: 'NAME', help: 'ad hoc: the batch’s name (default ad-hoc)' },
    yes: { type: 'boolean', help: 'run: start it (without: only show the targets and waves)' },
    json: { type: 'boolean', help: 'the plan, or the run with a row per target, as JSON' },
  },
  exits: {
    0: 'ok; run/retry: the batch completed (or, without --yes, the plan was shown)',
    1: 'run/retry/status: the batch failed; or the request was refused (read-only, not paused, not finished)',
    2: 'bad input: a batch file with errors (with positions), unknown targets, no run RUN, bad flags; nothing started',
    3: 'Redis unreachable',
    4: 'run/retry/status: the batch was cancelled',
  },
  // The batch domain and the bus load with the command, not with every other command.
  run: async (argv, io) => (await import('./batchActions')).batchCommand(argv, io),
});
