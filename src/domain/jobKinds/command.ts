import * as z from 'zod';
import { checkVariableNames } from '../programSchemas';
import { carries, declareJobKind } from './jobKindDeclaration';

/**
 * `command`: run a program on a worker.
 * With `shell: false` (the default) `program` is spawned directly with `args` as its argument array: nothing
 * is interpreted by a shell. With `shell: true` (explicit) `program` is a `/bin/sh -c` script line and
 * `args` become its positional parameters `$1…$n`.
 */
export const commandPayloadSchema = z
  .object({
    program: z.string().min(1, 'program is empty').max(4096),
    args: z.array(z.string().max(65_536)).max(4096).default([]),
    shell: z.boolean().default(false),
    /** Working directory on the worker (default: the worker's own). */
    cwd: z.string().min(1).optional(),
    /** Extra environment variables, added to the worker's environment. */
    env: z.record(z.string(), z.string()).superRefine(checkVariableNames).optional(),
  })
  .strict();
export type CommandPayload = z.output<typeof commandPayloadSchema>;

export interface CommandResult {
  exitCode: number;
  /** Lines of output seen (stdout + stderr). */
  lines: number;
  /** Lines not published as log events because the job went over its log budget (the tail is kept). */
  droppedLines: number;
}

export const commandJob = declareJobKind({
  kind: 'command',
  payload: commandPayloadSchema,
  result: carries<CommandResult>(),
  // Not assumed idempotent: it runs once unless the spec asks for more.
  policy: { attempts: 1, backoffMs: 2_000, timeoutMs: 0 },
  // Nobody can tell what a program does.
  changes: true,
  describe: (p) => {
    const args = Array.isArray(p.args) ? p.args.map(String) : [];
    const line = [String(p.program), ...args.map(quoteArg)].join(' ');
    return `${p.shell === true ? 'sh -c ' : ''}${line}`;
  },
  events: [],
});

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
