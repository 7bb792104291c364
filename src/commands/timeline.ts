import { declareCommand } from './declaration';

export const timelineDeclaration = declareCommand({
  name: 'timeline',
  summary: 'everything on lanes over time; patterns: the log pattern shift',
  description:
    'Prints each lane (deploys ▲/▼ with the project, jobs, errors and warnings, scans and resource changes, ' +
    'commits of the repositories, schedule ticks, batch waves, pipeline runs, events per second) as one line ' +
    '— a bar per column for the count, ✖ where something failed — as wide as the terminal ($COLUMNS, else 80), ' +
    'the lanes with nothing in the window left out. Times are the Redis stream ids’ (one clock, whichever ' +
    'worker host published) shown in the host’s time zone; without REDIS_URL the lanes come from the ' +
    'workspace’s job history. patterns: the top log templates of job output (numbers, ids, hashes, addresses ' +
    'and times folded into placeholders) in the window before --before and after --after, with counts and ' +
    'what appeared or vanished.',
  args: [{ name: 'patterns', help: 'the log pattern shift instead of the lanes', optional: true }],
  flags: {
    since: { type: 'string', value: '1h|ISO', help: 'from (a duration before now, or a time; default 1h)' },
    until: { type: 'string', value: 'ISO', help: 'to (default now)' },
    lanes: { type: 'string', value: 'a,b', help: 'only these lanes, all shown even when empty' },
    before: { type: 'string', value: 'ISO', help: 'patterns: the window before this time' },
    after: { type: 'string', value: 'ISO', help: 'patterns: the window after this time' },
    window: { type: 'string', value: '15m', help: 'patterns: how long each window is (default 15m)' },
    top: { type: 'string', value: 'N', help: 'patterns: templates listed per table (default 10)' },
    json: {
      type: 'boolean',
      help: 'as JSON: {lanes: [{name, buckets: [{start, count, failed?}], events}]}; patterns: {top, appeared, vanished}',
    },
  },
  exits: { 0: 'ok', 2: 'bad arguments', 3: 'Redis unreachable' },
  catchesSignals: false,
  run: async (argv, io) => (await import('./timelineActions')).timelineCommand(argv, io),
});
