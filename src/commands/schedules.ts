import { declareCommand } from './declaration';

export const schedulesDeclaration = declareCommand({
  name: 'schedules',
  summary: 'schedules.yaml: each schedule with its next runs and last outcome',
  description:
    "Reads the workspace's schedules.yaml and the jobs of its runs (over Redis, or the workspace's job " +
    'history without it). Invalid schedules are listed with their file:line:col errors; the valid ones are ' +
    'shown (and keep running) all the same.',
  args: [],
  flags: { json: { type: 'boolean', help: 'the schedules, their runs and the errors as JSON' } },
  exits: {
    0: 'ok',
    2: 'bad arguments, or schedules.yaml has errors (the valid schedules are still listed)',
    3: 'Redis unreachable (the schedules are listed without their runs)',
  },
  // The cron and English-reading libraries load with the command, not with every other command.
  run: async (argv, io) => (await import('./schedulesList')).schedulesCommand(argv, io),
});
