import * as z from 'zod';
import { didYouMean, unknownKeyMessage } from './didYouMean';
import {
  isJobKind,
  type JobKind,
  type JobSpec,
  type JobView,
  jobKinds,
  type Payloads,
  payloadKeys,
  payloadSchemas,
  type Requester,
} from './job';
import { cronProblem, isTimeZone } from './scheduleCron';

/**
 * `schedules.yaml`: cron schedules whose every tick becomes an ordinary job.
 *
 * ```yaml
 * schedules:
 *   - name: scan-eu                 # unique; letters, digits, . _ -
 *     cron: "*\/15 * * * *"          # 5 fields, 6 with seconds first, or @hourly/@daily/@weekly/@monthly/@yearly
 *     timezone: Europe/Berlin       # IANA name; default the host's
 *     job: { kind: scan, regions: [eu-central-1] }   # any job kind with its payload fields,
 *     # job: { run: [uptime] }      # or run: [program, args…] for a command
 *     enabled: true                 # default true
 *     overlap: skip                 # skip | queue: a tick that comes while the previous run still runs
 *     catchUp: false                # ticks missed while nothing ran: run once on recovery (true) or drop them
 * ```
 */

export const overlapModes = ['skip', 'queue'] as const;
export type Overlap = (typeof overlapModes)[number];

/** A schedule's job: a kind this version knows and its payload, parsed by the kind's own schema. */
export type ScheduleJob = { [K in JobKind]: { kind: K; payload: Payloads[K] } }[JobKind];

/** A valid schedule, as the scheduler runs it (defaults applied, the time zone resolved). */
export interface Schedule {
  name: string;
  cron: string;
  /** IANA name: as written, or the host's when the file gives none. */
  timezone: string;
  /** False when `timezone` is the host's (two hosts in different zones would then disagree: say so). */
  timezoneGiven: boolean;
  job: ScheduleJob;
  enabled: boolean;
  overlap: Overlap;
  catchUp: boolean;
}

/** What a scheduled job's view names: the schedule and the tick (epoch ms) it ran for. */
export type ScheduleRef = NonNullable<JobView['schedule']>;

/** The rules a tick's job follows when it starts; they travel with the job so any worker can apply them. */
export interface TickRules {
  name: string;
  cron: string;
  timezone: string;
  overlap: Overlap;
  catchUp: boolean;
}

export function tickRulesOf(schedule: Schedule): TickRules {
  const { name, cron, timezone, overlap, catchUp } = schedule;
  return { name, cron, timezone, overlap, catchUp };
}

/**
 * The result of a tick's job that did not run its work: `overlap` (the previous run was still running and
 * the schedule says `overlap: skip`) or `missed` (no process was up at the tick and the schedule says
 * `catchUp: false`).
 */
export interface SkippedTick {
  skipped: 'overlap' | 'missed';
  reason: string;
  /** `missed`: how many ticks went by unrun (at least this one). */
  ticks?: number;
  /** `overlap`: the run that was still running. */
  previous?: string;
}

/**
 * A job of the schedule now, asked for by a person (`R`, `schedule run`): tagged with the schedule and the time it
 * was asked for, not a tick, so no overlap or catch-up rule applies. Read-only askers are refused by the queue for
 * a kind that changes something.
 */
export function runNowSpec(
  schedule: Schedule,
  requestedBy: Requester,
  at: number,
  readOnly: boolean,
): JobSpec {
  return {
    kind: schedule.job.kind,
    payload: schedule.job.payload,
    requestedBy,
    schedule: { name: schedule.name, tick: at },
    ...(readOnly ? { readOnly: true } : {}),
  } as JobSpec;
}

export function isSkippedTick(result: unknown): result is SkippedTick {
  const skipped = (result as Partial<SkippedTick> | null | undefined)?.skipped;
  return skipped === 'overlap' || skipped === 'missed';
}

// --- the file ------------------------------------------------------------------------------------

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const nameSchema = z
  .string()
  .regex(
    namePattern,
    'a schedule name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const cronSchema = z.string().superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const timezoneSchema = z.string().superRefine((timezone, ctx) => {
  if (isTimeZone(timezone)) return;
  const guess = didYouMean(timezone, Intl.supportedValuesOf('timeZone'), Math.max(2, timezone.length / 4));
  ctx.addIssue({
    code: 'custom',
    message: `"${timezone}" is not an IANA time zone${guess ? ` (did you mean ${guess}?)` : ' (like Europe/Berlin, America/New_York, UTC)'}`,
  });
});

type Issue = z.core.$ZodRawIssue;

/**
 * `job:` — `run: [program, args…]` (a command; `shell`, `cwd` and `env` may go beside it) or `kind: K` with that
 * kind's payload fields beside it. The payload is checked by the kind's own schema; its problems are reported at
 * the place in the file they come from (`run[0]` for the program).
 */
const jobSchema = z.unknown().transform((raw, ctx): ScheduleJob => {
  const issue = (path: PropertyKey[], message: string) =>
    ctx.issues.push({ code: 'custom', path, message, input: raw });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issue([], 'expected a map: `run: [program, args…]` for a command, or `kind:` and its fields');
    return z.NEVER;
  }
  const fields = raw as Record<string, unknown>;
  if ('run' in fields) {
    if ('kind' in fields && fields.kind !== 'command') {
      issue(
        ['run'],
        '`run:` makes a command job; leave out `kind:` (or use `kind: command` with `program:`)',
      );
      return z.NEVER;
    }
    const { run, kind: _command, ...rest } = fields;
    if (!Array.isArray(run) || run.length === 0) {
      issue(['run'], 'expected a list: [program, args…] (e.g. [uptime] or [make, backup])');
      return z.NEVER;
    }
    if ('program' in rest || 'args' in rest) {
      issue(['program' in rest ? 'program' : 'args'], 'give the program and its arguments in `run:` only');
      return z.NEVER;
    }
    const payload = { ...rest, program: run[0], args: run.slice(1) };
    return checkedPayload('command', payload, ctx.issues, runPath);
  }
  if (!('kind' in fields)) {
    issue(
      [],
      `a job needs \`run: [program, args…]\` (a command) or \`kind:\` (one of ${jobKinds.join(', ')})`,
    );
    return z.NEVER;
  }
  const { kind, ...payload } = fields;
  if (!isJobKind(kind)) {
    const guess = typeof kind === 'string' ? didYouMean(kind, jobKinds, 2) : undefined;
    issue(
      ['kind'],
      `${JSON.stringify(kind)} is not a job kind (${guess ? `did you mean ${guess}? ` : ''}known: ${jobKinds.join(', ')})`,
    );
    return z.NEVER;
  }
  return checkedPayload(kind, payload, ctx.issues, (path) => path);
});

/** Where a command payload's field is written in the `run:` form. */
function runPath(path: PropertyKey[]): PropertyKey[] {
  if (path[0] === 'program') return ['run', 0, ...path.slice(1)];
  if (path[0] === 'args' && typeof path[1] === 'number') return ['run', path[1] + 1, ...path.slice(2)];
  if (path[0] === 'args') return ['run', ...path.slice(1)];
  return path;
}

function checkedPayload(
  kind: JobKind,
  payload: Record<string, unknown>,
  issues: Issue[],
  where: (path: PropertyKey[]) => PropertyKey[],
): ScheduleJob {
  const schema = payloadSchemas[kind];
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { kind, payload: parsed.data } as ScheduleJob;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = payloadKeys(kind).filter(
        (k) => !(kind === 'command' && where === runPath && (k === 'program' || k === 'args')),
      );
      for (const key of issue.keys) {
        issues.push({
          ...issue,
          keys: [key],
          input: issue.input,
          path: where(issue.path),
          message: unknownKeyMessage(key, allowed, `a ${kind} job`),
        });
      }
      continue;
    }
    issues.push({ ...issue, path: where(issue.path) } as Issue);
  }
  return z.NEVER as never;
}

export const scheduleEntrySchema = z
  .object({
    name: nameSchema,
    cron: cronSchema,
    timezone: timezoneSchema.optional(),
    job: jobSchema,
    enabled: z.boolean().default(true),
    overlap: z.enum(overlapModes).default('skip'),
    catchUp: z.boolean().default(false),
  })
  .strict();

export type ScheduleEntry = z.output<typeof scheduleEntrySchema>;

export const schedulesFileSchema = z
  .object({
    schedules: z
      .array(scheduleEntrySchema)
      .default([])
      .superRefine((entries, ctx) => duplicateNames(entries, ctx.addIssue.bind(ctx))),
  })
  .strict();

/** A later schedule with an earlier one's name is the error; the first keeps running. */
function duplicateNames(entries: readonly { name: string }[], add: (issue: Issue) => void): void {
  const seen = new Map<string, number>();
  for (const [i, entry] of entries.entries()) {
    const first = seen.get(entry.name);
    if (first === undefined) seen.set(entry.name, i);
    else
      add({
        code: 'custom',
        path: [i, 'name'],
        message: `"${entry.name}" is already the name of schedules[${first}]; names must be unique`,
        input: entry.name,
      });
  }
}

/** The schedule of a valid entry, its time zone resolved. */
export function scheduleOf(entry: ScheduleEntry, hostZone: string): Schedule {
  return {
    name: entry.name,
    cron: entry.cron.trim(),
    timezone: entry.timezone ?? hostZone,
    timezoneGiven: entry.timezone !== undefined,
    job: entry.job,
    enabled: entry.enabled,
    overlap: entry.overlap,
    catchUp: entry.catchUp,
  };
}

/**
 * Whether two versions of a schedule tick the same and do the same (a registration that matches is left as it
 * is, so its pending tick is kept).
 */
export function sameSchedule(a: Schedule, b: Schedule): boolean {
  return JSON.stringify(scheduleFingerprint(a)) === JSON.stringify(scheduleFingerprint(b));
}

export function scheduleFingerprint(s: Schedule): unknown {
  return [s.name, s.cron, s.timezone, s.job.kind, s.job.payload, s.overlap, s.catchUp];
}
