import { declareCommand } from './declaration';

export const pipelinesDeclaration = declareCommand({
  name: 'pipelines',
  summary: 'every pipeline and remote CI workflow with its last run',
  description:
    'Local pipelines (pipelines/*.yaml of the workspace and each repository’s .infradeck/pipeline.yaml) with their ' +
    'steps and last run, then, for each repository of the Repositories tab whose origin is on GitHub or a GitLab ' +
    'host (gitlab.hosts in the config), its workflows (GitHub: every workflow; GitLab: the project’s pipeline) ' +
    'with their last run as REPO#RUN. A repository without a remote, on another host, or without a token gets a ' +
    'row saying so (and which variable or command gives a token). A file with errors is listed with them ' +
    '(file:line:col) and the exit code is 2; a provider that fails (a token refused, not found, rate limited, ' +
    'unreachable) is said on stderr, its repository’s row says so, the other rows are listed and the exit code is 1.',
  args: [],
  flags: {
    json: {
      type: 'boolean',
      help: 'the pipelines as JSON: {pipelines: [{source, name, target, repo, file, steps, lastRun, errors, problem?}], errors: [...]}',
    },
  },
  exits: {
    0: 'ok (rows without a remote or a token included: they say so)',
    1: 'a CI provider failed for some repository (the message says why); the other rows are listed',
    2: 'a pipeline file (or repos.yaml) has errors; the others are listed',
  },
  run: async (argv, io) => (await import('./pipelinesList')).pipelinesCommand(argv, io),
});
