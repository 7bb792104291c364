import { declareCommand } from './declaration';

export const pipelinesDeclaration = declareCommand({
  name: 'pipelines',
  summary: 'every pipeline with its last run',
  description:
    'Local pipelines (pipelines/*.yaml of the workspace and each repository’s .infradeck/pipeline.yaml) with their ' +
    'steps and last run. A file with errors is listed with them (file:line:col) and the exit code is 2.',
  args: [],
  flags: {
    json: { type: 'boolean', help: 'the pipelines as JSON: {pipelines: [...], errors: [...]}' },
  },
  exits: {
    0: 'ok',
    2: 'a pipeline file (or repos.yaml) has errors; the others are listed',
  },
  run: async (argv, io) => (await import('./pipelineActions')).pipelinesCommand(argv, io),
});
