import { declareCommand } from './declaration';

export const pipelineVerbs = ['run', 'status', 'retry', 'cancel'] as const;
export type PipelineVerb = (typeof pipelineVerbs)[number];

export const pipelineDeclaration = declareCommand({
  name: 'pipeline',
  summary: 'local pipelines and remote CI runs: run, status, retry, cancel',
  description:
    'run NAME: a local pipeline (pipelines/*.yaml of the workspace, or a repository’s .infradeck/pipeline.yaml, ' +
    'by name; `infradeck pipelines` lists them). Its steps run as child jobs on any worker, each once every step ' +
    'it needs passed; a failed step skips the steps that need it. A file with errors is reported with positions ' +
    'and nothing runs. With --wait it follows the run to its end, a line per step as it ends (Ctrl-C cancels it); ' +
    'without REDIS_URL the run happens in this process, so it always waits. status RUN: each step with its ' +
    'status, attempts and duration. retry RUN: a new run of a run that ended, in which the steps that passed are ' +
    'kept and the failed, skipped and cancelled ones run again. cancel RUN: cancels the run and its running steps. ' +
    'Remote CI (a repository of the Repositories tab whose origin is on GitHub or GitLab): run REPO:WORKFLOW ' +
    '(GitHub: the workflow file, like shop:ci.yml, dispatched with --input values checked against the file in ' +
    'the clone; GitLab: shop:.gitlab-ci.yml, a pipeline with --input values as variables) on --ref (default: ' +
    'the clone’s current branch); status|retry|cancel REPO#RUN (the run id as `infradeck pipelines` shows it, ' +
    'like shop#4242): retry re-runs the failed jobs. The changes are `ci` jobs on the workers; --wait follows ' +
    'the provider’s run to its end, or until a GitLab pipeline stops at a manual job (exit 4).',
  args: [
    { name: 'run|status|retry|cancel', help: 'what to do' },
    {
      name: 'NAME|RUN',
      help: 'run: a pipeline’s name, or REPO:WORKFLOW for remote CI; the others: the run’s job id, or REPO#RUN',
    },
  ],
  flags: {
    wait: {
      type: 'boolean',
      help: 'run/retry: follow the run to its end, or to the manual job a GitLab pipeline stops at; the exit code says how it ended',
    },
    json: {
      type: 'boolean',
      help: 'the run as JSON: {run, status, steps: [{name, status, attempts, durationMs}]}',
    },
    ref: { type: 'string', value: 'BRANCH', help: 'remote run: the branch or tag to run on' },
    input: {
      type: 'string',
      value: 'K=V',
      multiple: true,
      help: 'remote run: a workflow_dispatch input (GitHub) or pipeline variable (GitLab); repeat for more',
    },
  },
  exits: {
    0: 'ok; with --wait (and status): the run passed (or, for status, is still running or waits for an approval)',
    1: 'the run failed; or the request was refused (read-only, not finished, nothing to retry, no token, the provider said no)',
    2: 'bad input: a pipeline file with errors (with positions), an unknown pipeline, repository, run or workflow, inputs the workflow does not declare, bad flags; nothing started',
    3: 'Redis unreachable; or the CI provider unreachable or rate limited (the message says when to try again)',
    4: 'the run was cancelled, or its approval was refused (or expired); with --wait, a GitLab pipeline stopped at a manual job (neither passed nor failed: it waits for a person)',
  },
  // The pipeline domain and the bus load with the command, not with every other command.
  run: async (argv, io) => (await import('./pipelineActions')).pipelineCommand(argv, io),
});
