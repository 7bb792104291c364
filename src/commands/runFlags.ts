import type { FlagSpecs } from './flagSpec';

/**
 * `run`'s own flags, apart from its declaration: the console's start splits argv without loading any command,
 * and after `run` only these come before the program.
 */
export const runFlags = {
  wait: { type: 'boolean', short: 'w', help: 'wait for the job, streaming its output, and exit like it' },
  shell: { type: 'boolean', help: 'PROGRAM is a sh -c line and ARGS its $1…' },
  timeout: { type: 'string', value: 'SECONDS', help: 'the job is killed after this long' },
  attempts: { type: 'string', value: 'N', help: 'run it up to N times (1 to 50) until it succeeds' },
  key: { type: 'string', value: 'IDEMPOTENCY_KEY', help: 'a second job with the same key is the first one' },
  cwd: { type: 'string', value: 'DIR', help: 'the folder it runs in' },
  json: { type: 'boolean', help: 'the job id, or with --wait the finished job, as JSON' },
} as const satisfies FlagSpecs;
