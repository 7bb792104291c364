import { declareCommand } from './declaration';

export const scheduleActions = ['next', 'run', 'enable', 'disable'] as const;
export type ScheduleAction = (typeof scheduleActions)[number];

export const scheduleDeclaration = declareCommand({
  name: 'schedule',
  summary: 'one schedule: its next runs, run it now, enable or disable it',
  description:
    "next: the next runs in the schedule's time zone (--count, default 5). run: a job of the schedule now, " +
    'whatever its cron and overlap rule, followed to its end (Ctrl-C cancels it). enable/disable: set ' +
    '`enabled:` in schedules.yaml (comments and order kept; refused with --readonly); over Redis the job ' +
    'schedulers follow at once, in-process schedulers when they see the file change.',
  args: [
    { name: 'next|run|enable|disable', help: 'what to do' },
    { name: 'NAME', help: 'the schedule, by its name in schedules.yaml' },
  ],
  flags: {
    count: { type: 'string', value: 'N', help: 'next: how many runs to list (1 to 100, default 5)' },
    json: { type: 'boolean', help: 'the answer as JSON' },
  },
  exits: {
    0: 'ok; run: the job completed',
    1: 'run: the job failed or was refused (read-only); enable/disable: refused or not written',
    2: 'bad arguments, an unknown schedule, or one with errors in schedules.yaml',
    3: 'Redis unreachable',
    4: 'run: cancelled',
  },
  // The cron and English-reading libraries load with the command, not with every other command.
  run: async (argv, io) => (await import('./scheduleActions')).scheduleCommand(argv, io),
});
