import * as z from 'zod';
import { type BatchPause, readMaxFailPercentage, readPause, readTimeout } from './batchDuration';
import { type PlainHost, readPlainHost } from './batchHost';
import { type Reading, readSerialText, type SerialStep, serialSchema } from './batchSerial';
import { didYouMean, unknownKeyMessage } from './didYouMean';
import { isJobKind, type JobKind, jobKinds, type Payloads, payloadKeys, payloadSchemas } from './job';

/**
 * `batches/<name>.yaml`: one action run on many targets in waves, stopping when too many of a wave fail (as
 * Ansible's `serial` and `max_fail_percentage`).
 *
 * ```yaml
 * name: restart-web             # default: the file's name
 * targets:                      # one selector, or a list of them (their targets in order, each once)
 *   servers: [web-1, web-2]     # servers.yaml hosts by name
 *   hosts: [10.0.0.7, ops@10.0.0.8:2222]   # plain addresses: [user@]host[:port]
 *   project: web                # servers.yaml hosts and EC2 instances of the project…
 *   tags: { role: web }         # …and/or with all these tags (both when both are given)
 *   from: ec2                   # servers | ec2: narrows project:/tags: to one source (default both)
 * action:                       # exactly one of:
 *   ssh: [systemctl, restart, nginx]        # over ssh on each target
 *   # local: [kubectl, --context, prod, …]  # on the worker, INFRADECK_TARGET(_HOST) in its environment
 *   # job: { kind: scan, regions: [eu-west-1] }   # any job kind with its payload, once per target
 * serial: [1, 10%, 50%]         # wave sizes: a number, a percentage of all targets, or a list (the last repeats)
 * maxFailPercentage: 0          # stop when more than this share of a wave fails (0: any failure stops)
 * pause: 30s                    # between waves: a duration, or manual (wait for `advance`); default none
 * timeout: 5m                   # per target; default 10m
 * ```
 */

export const defaultBatchTimeoutMs = 10 * 60_000;

export const targetSources = ['servers', 'ec2'] as const;
export type TargetSource = (typeof targetSources)[number];

/** Which targets a batch runs on; the targets of all its parts, each once. */
export interface TargetSelector {
  /** servers.yaml hosts by name. */
  servers?: string[];
  hosts?: PlainHost[];
  /** With `tags`: the servers.yaml hosts and EC2 instances that have both. */
  project?: string;
  tags?: Record<string, string>;
  /** Narrows `project`/`tags` to servers.yaml or to EC2; both when absent. */
  from?: TargetSource;
  /** Ad hoc (`--targets`, the tab's form): each a servers.yaml name, else an address. Not in batch files. */
  names?: string[];
}

/** A job of any kind this version knows, its payload parsed by the kind's own schema. */
export type BatchJob = { [K in JobKind]: { kind: K; payload: Payloads[K] } }[JobKind];

export type BatchAction =
  | { type: 'ssh'; program: string; args: string[] }
  | { type: 'local'; program: string; args: string[] }
  | { type: 'job'; job: BatchJob };

export interface BatchDefinition {
  name: string;
  targets: TargetSelector[];
  action: BatchAction;
  /** Wave sizes; empty: one wave of every target (Ansible's default). */
  serial: SerialStep[];
  /** 0..100: a wave whose failed share is greater stops the batch. */
  maxFailPercentage: number;
  pause?: BatchPause;
  /** Per target. */
  timeoutMs: number;
}

type Issue = z.core.$ZodRawIssue;
type Path = PropertyKey[];

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const batchNameRule =
  'a batch name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isBatchName(name: string): boolean {
  return namePattern.test(name);
}

const nameSchema = z.string().regex(namePattern, batchNameRule);

// --- targets ------------------------------------------------------------------------------------

const plainHostSchema = z.string().transform((text, ctx): PlainHost => {
  const read = readPlainHost(text);
  if (read.ok) return read.value;
  ctx.issues.push({ code: 'custom', message: read.message, input: text });
  return z.NEVER;
});

const selectorSchema = z
  .object({
    servers: z
      .array(z.string().min(1, 'a server name is empty'))
      .min(1, 'must name at least one server')
      .optional(),
    hosts: z.array(plainHostSchema).min(1, 'must list at least one address').optional(),
    project: z.string().min(1, 'a project name is empty').optional(),
    tags: z
      .record(z.string(), z.string())
      .refine((tags) => Object.keys(tags).length > 0, 'must name at least one tag (key: value)')
      .optional(),
    from: z.enum(targetSources).optional(),
  })
  .strict();

const selectorKeys = Object.keys(selectorSchema.shape);
const selectingKeys = 'servers:, hosts:, project: or tags:';

function selectorOf(raw: unknown, path: Path, issues: Issue[]): TargetSelector {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = path.length === 0 ? 'a map or a list of maps' : 'a map';
    issues.push({ code: 'custom', path, message: `expected ${what} of ${selectingKeys}`, input: raw });
    return {};
  }
  const parsed = selectorSchema.safeParse(raw);
  if (!parsed.success) {
    pushIssues(issues, parsed.error.issues, path, selectorKeys, 'a target selector');
    return {};
  }
  const s = parsed.data;
  const filters = s.project !== undefined || s.tags !== undefined;
  if (!s.servers && !s.hosts && !filters) {
    issues.push({ code: 'custom', path, message: `a target selector needs ${selectingKeys}`, input: raw });
  } else if (s.from && !filters) {
    issues.push({
      code: 'custom',
      path: [...path, 'from'],
      message: '`from:` narrows project: and tags: only; give one of them',
      input: s.from,
    });
  }
  return s;
}

const targetsSchema = z.unknown().transform((raw, ctx): TargetSelector[] => {
  if (raw === undefined) {
    ctx.issues.push({ code: 'custom', message: 'missing required key "targets"', input: raw });
    return z.NEVER;
  }
  const before = ctx.issues.length;
  let selectors: TargetSelector[];
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      ctx.issues.push({
        code: 'custom',
        message: `must list at least one selector (${selectingKeys})`,
        input: raw,
      });
      return z.NEVER;
    }
    selectors = raw.map((s, i) => selectorOf(s, [i], ctx.issues));
  } else selectors = [selectorOf(raw, [], ctx.issues)];
  return ctx.issues.length > before ? z.NEVER : selectors;
});

// --- action -------------------------------------------------------------------------------------

const actionKeys = ['ssh', 'local', 'job'] as const;
const actionForms = 'ssh: [program, args…], local: [program, args…] or job: { kind: …, … }';
const argvSchema = z.array(z.string().max(65_536)).max(4096);

const actionSchema = z.unknown().transform((raw, ctx): BatchAction => {
  const issue = (path: Path, message: string) =>
    ctx.issues.push({ code: 'custom', path, message, input: raw });
  if (raw === undefined) {
    issue([], 'missing required key "action"');
    return z.NEVER;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issue([], `expected a map: ${actionForms}`);
    return z.NEVER;
  }
  const fields = raw as Record<string, unknown>;
  const given = actionKeys.filter((k) => k in fields);
  const unknown = Object.keys(fields).filter((k) => !(actionKeys as readonly string[]).includes(k));
  for (const key of unknown) {
    const message = unknownKeyMessage(key, actionKeys, 'an action');
    ctx.issues.push({ code: 'unrecognized_keys', keys: [key], path: [], message, input: raw } as Issue);
  }
  if (unknown.length > 0) return z.NEVER;
  if (given.length === 0) {
    issue([], `an action is one of ${actionForms}`);
    return z.NEVER;
  }
  if (given.length > 1) {
    issue([given[1]], `an action is one of ssh:, local: or job:, not both ${given[0]}: and ${given[1]}:`);
    return z.NEVER;
  }
  const type = given[0];
  const value = fields[type];
  if (type === 'job') {
    const job = jobOf(value, ctx.issues);
    return job ? { type, job } : z.NEVER;
  }
  const example = type === 'ssh' ? '[systemctl, restart, nginx]' : '[kubectl, --context, prod, get, pods]';
  if (!Array.isArray(value) || value.length === 0) {
    issue([type], `expected a list: [program, args…] (e.g. ${example})`);
    return z.NEVER;
  }
  const argv = argvSchema.safeParse(value);
  if (!argv.success) {
    pushIssues(ctx.issues, argv.error.issues, [type], [], 'an argument list');
    return z.NEVER;
  }
  const [program, ...args] = argv.data;
  if (program.trim() === '') {
    issue([type, 0], 'the program is empty');
    return z.NEVER;
  }
  return { type, program, args };
});

function jobOf(raw: unknown, issues: Issue[]): BatchJob | undefined {
  const issue = (path: Path, message: string) =>
    issues.push({ code: 'custom', path: ['job', ...path], message, input: raw });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issue([], "expected a map: `kind:` and that kind's fields (e.g. { kind: scan, regions: [eu-west-1] })");
    return undefined;
  }
  const { kind, ...payload } = raw as Record<string, unknown>;
  if (kind === undefined) {
    issue([], `a job needs \`kind:\` (one of ${perTargetKinds().join(', ')})`);
    return undefined;
  }
  if (!isJobKind(kind) || !perTargetKinds().includes(kind)) {
    const known = perTargetKinds();
    if (typeof kind === 'string' && kind.startsWith('batch')) {
      issue(['kind'], `a batch cannot run ${JSON.stringify(kind)} jobs (known: ${known.join(', ')})`);
      return undefined;
    }
    const guess = typeof kind === 'string' ? didYouMean(kind, known, 2) : undefined;
    issue(
      ['kind'],
      `${JSON.stringify(kind)} is not a job kind (${guess ? `did you mean ${guess}? ` : ''}known: ${known.join(', ')})`,
    );
    return undefined;
  }
  const parsed = payloadSchemas[kind].safeParse(payload);
  if (parsed.success) return { kind, payload: parsed.data } as BatchJob;
  pushIssues(issues, parsed.error.issues, ['job'], payloadKeys(kind), `a ${kind} job`);
  return undefined;
}

/** Kinds a batch may run once per target: every kind but the batch's own. */
function perTargetKinds(): JobKind[] {
  return jobKinds.filter((k) => !k.startsWith('batch'));
}

// --- the rest -----------------------------------------------------------------------------------

/** A transform reading one value with a reader of this domain; its message is reported at the value. */
function readWith<T>(read: (value: unknown) => Reading<T>) {
  return z.unknown().transform((raw, ctx): T => {
    const r = read(raw);
    if (r.ok) return r.value;
    ctx.issues.push({ code: 'custom', message: r.message, input: raw });
    return z.NEVER;
  });
}

export const batchFileSchema = z
  .object({
    name: nameSchema.optional(),
    targets: targetsSchema,
    action: actionSchema,
    serial: serialSchema.optional(),
    maxFailPercentage: readWith(readMaxFailPercentage).optional(),
    pause: readWith(readPause).optional(),
    timeout: readWith(readTimeout).optional(),
  })
  .strict();

export type BatchFileEntry = z.output<typeof batchFileSchema>;

export function batchOf(entry: BatchFileEntry, name: string): BatchDefinition {
  return {
    name: entry.name ?? name,
    targets: entry.targets,
    action: entry.action,
    serial: entry.serial ?? [],
    maxFailPercentage: entry.maxFailPercentage ?? 0,
    ...(entry.pause ? { pause: entry.pause } : {}),
    timeoutMs: entry.timeout ?? defaultBatchTimeoutMs,
  };
}

// --- ad hoc (the CLI's flags, the tab's form) ---------------------------------------------------

/** What a person typed for an ad-hoc batch; each text as written. */
export interface AdHocBatchInput {
  name?: string;
  targets: TargetSelector[];
  action: BatchAction;
  serial?: string;
  maxFailPercentage?: string;
  pause?: string;
  timeout?: string;
}

export type AdHocBatch =
  | { ok: true; batch: BatchDefinition }
  | { ok: false; errors: { field: string; message: string }[] };

/** The same rules as a batch file, for values typed in a form or given as flags; each problem names its field. */
export function adHocBatch(input: AdHocBatchInput): AdHocBatch {
  const errors: { field: string; message: string }[] = [];
  const take = <T>(
    field: string,
    text: string | undefined,
    read: (v: string) => Reading<T>,
  ): T | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    const r = read(text);
    if (r.ok) return r.value;
    errors.push({ field, message: r.message });
    return undefined;
  };
  const name = input.name ?? 'ad-hoc';
  if (!isBatchName(name)) errors.push({ field: 'name', message: batchNameRule });
  if (input.targets.length === 0) errors.push({ field: 'targets', message: 'no targets given' });
  if ((input.action.type === 'ssh' || input.action.type === 'local') && input.action.program.trim() === '') {
    errors.push({ field: 'command', message: 'the program is empty' });
  }
  const serial = take('serial', input.serial, readSerialText) ?? [];
  const maxFailPercentage = take('maxFailPercentage', input.maxFailPercentage, readMaxFailPercentage) ?? 0;
  const pause = take('pause', input.pause, readPause);
  const timeoutMs = take('timeout', input.timeout, readTimeout) ?? defaultBatchTimeoutMs;
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    batch: {
      name,
      targets: input.targets,
      action: input.action,
      serial,
      maxFailPercentage,
      ...(pause ? { pause } : {}),
      timeoutMs,
    },
  };
}

/** `--tag role=web`: one tag as a map; `=` in the value is kept. */
export function readTagText(text: string): Reading<Record<string, string>> {
  const eq = text.indexOf('=');
  if (eq <= 0)
    return { ok: false, message: `expected key=value (like role=web), got ${JSON.stringify(text)}` };
  return { ok: true, value: { [text.slice(0, eq).trim()]: text.slice(eq + 1).trim() } };
}

/** `web-1, web-2 10.0.0.5`: the words of a targets field or of `--targets a,b,c`. */
export function targetWords(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}

// --- issues -------------------------------------------------------------------------------------

/**
 * Issues of a nested parse, moved to where the value is written; an unknown key gets its own message with a
 * did-you-mean (yaml's position finder cannot list the keys of a schema it does not see).
 */
function pushIssues(
  issues: Issue[],
  found: readonly z.core.$ZodIssue[],
  prefix: Path,
  allowed: readonly string[],
  what: string,
): void {
  for (const issue of found) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      for (const key of issue.keys) {
        issues.push({
          code: 'unrecognized_keys',
          keys: [key],
          path: [...prefix],
          message: unknownKeyMessage(key, allowed, what),
          input: undefined,
        } as Issue);
      }
      continue;
    }
    issues.push({ ...issue, path: [...prefix, ...issue.path] } as Issue);
  }
}
