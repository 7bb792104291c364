import * as z from 'zod';
import { splitIntoWaves } from '../batchWaves';
import { carries, declareJobKind, type MadeChild } from './jobKindDeclaration';

/**
 * `batch`: one action across many targets in waves (Ansible's `serial` and `max_fail_percentage`). A parent job:
 * each target is a child job (`batchTarget` for ssh/local actions, the job's own kind otherwise), a wave at a
 * time, so a wave spreads over the workers. Its payload is the plan as resolved when it was asked for: the
 * targets, in order, with their addresses. Deliberately apart from `domain/batch.ts` (which reads batch files and
 * checks a `job:` action's payload against its kind): a child's spec is checked again when it is queued.
 */
const argvSchema = z.array(z.string().max(65_536)).max(4096);

export const batchCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ssh'), program: z.string().min(1).max(4096), args: argvSchema }).strict(),
  z.object({ type: z.literal('local'), program: z.string().min(1).max(4096), args: argvSchema }).strict(),
]);

export const batchActionSchema = z.union([
  batchCommandSchema,
  z
    .object({
      type: z.literal('job'),
      job: z.object({ kind: z.string().min(1), payload: z.unknown() }).strict(),
    })
    .strict(),
]);

export const batchTargetSchema = z
  .object({
    // A BullMQ custom job id may not hold a `:`; the key is part of its child's id.
    key: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^:]+$/, 'a target key has no ":"'),
    name: z.string().min(1).max(200),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535).optional(),
    user: z.string().min(1).max(100).optional(),
    identityFile: z.string().min(1).max(4096).optional(),
    source: z.enum(['servers.yaml', 'ec2', 'list']),
    instance: z
      .object({ id: z.string(), region: z.string(), keyPair: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

const serialStepSchema = z.union([
  z.object({ count: z.number().int().min(1) }).strict(),
  z.object({ percent: z.number().gt(0).max(100) }).strict(),
]);

export const batchPayloadSchema = z
  .object({
    name: z.string().min(1).max(64),
    targets: z.array(batchTargetSchema).min(1, 'a batch needs at least one target').max(100_000),
    action: batchActionSchema,
    serial: z.array(serialStepSchema).max(1000).default([]),
    maxFailPercentage: z.number().min(0).max(100).default(0),
    pause: z
      .union([
        z.object({ ms: z.number().int().min(0) }).strict(),
        z.object({ manual: z.literal(true) }).strict(),
      ])
      .optional(),
    /** Per target. */
    timeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(24 * 3_600_000)
      .default(10 * 60_000),
    /** A retry: the run whose failed and cancelled targets these are. */
    retryOf: z.string().min(1).optional(),
  })
  .strict();
export type BatchPayload = z.output<typeof batchPayloadSchema>;

/** A target as the run ended it (`skipped`: a wave before it crossed the threshold). */
export interface BatchRunTarget {
  key: string;
  name: string;
  wave: number;
  status: 'pending' | 'running' | 'ok' | 'failed' | 'skipped' | 'cancelled';
  jobId?: string;
  exitCode?: number;
  durationMs?: number;
}

export interface BatchResult {
  status: 'completed' | 'failed' | 'cancelled';
  /** The wave that crossed the threshold, when one did. */
  stoppedAt?: number;
  targets: BatchRunTarget[];
}

export const batchJob = declareJobKind({
  kind: 'batch',
  payload: batchPayloadSchema,
  result: carries<BatchResult>(),
  // The handler starts again from its saved state: a retried attempt adds no target twice.
  policy: { attempts: 3, backoffMs: 2_000, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const targets = Array.isArray(p.targets) ? p.targets.length : 0;
    const retry = typeof p.retryOf === 'string' ? ` (retry of ${p.retryOf})` : '';
    return `batch ${String(p.name)}: ${targets} target${targets === 1 ? '' : 's'}${retry}`;
  },
  events: [],
  // Its targets, keyed by the target's key: a `batchTarget` for ssh/local, the action's own job for a `job` action.
  childrenOf: (batch) => {
    const { action } = batch;
    const made = new Map<string, MadeChild>();
    splitIntoWaves(batch.targets, batch.serial).forEach((wave, i) => {
      for (const target of wave) {
        made.set(
          target.key,
          action.type === 'job'
            ? { kind: action.job.kind, payload: action.job.payload }
            : { kind: 'batchTarget', payload: batchTargetPayload(batch, action, target, i + 1) },
        );
      }
    });
    return made;
  },
});

/** A target of a batch with an ssh/local `action` (its own) as its child job's payload, in its wave (from 1). */
export function batchTargetPayload(
  batch: BatchPayload,
  action: z.output<typeof batchCommandSchema>,
  target: BatchPayload['targets'][number],
  wave: number,
): BatchTargetPayload {
  return { batch: batch.name, wave, target, action, timeoutMs: batch.timeoutMs };
}

export const batchTargetPayloadSchema = z
  .object({
    batch: z.string().min(1).max(64),
    wave: z.number().int().min(1),
    target: batchTargetSchema,
    action: batchCommandSchema,
    timeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(24 * 3_600_000),
  })
  .strict();
export type BatchTargetPayload = z.output<typeof batchTargetPayloadSchema>;

export interface BatchTargetResult {
  exitCode: number;
  durationMs: number;
  /** The last line of output with text in it. */
  lastLine: string;
  timedOut: boolean;
  /** Not run again after its worker died or stopped while it ran: the job's error says why it failed. */
  notRunTwice?: boolean;
}

export const batchTargetJob = declareJobKind({
  kind: 'batchTarget',
  payload: batchTargetPayloadSchema,
  result: carries<BatchTargetResult>(),
  // Never twice on the same host: a target whose worker died is failed, not run again.
  policy: { attempts: 1, backoffMs: 0, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const target = (p.target as { name?: unknown } | undefined)?.name;
    const action = p.action as { type?: unknown; program?: unknown; args?: unknown } | undefined;
    const args = Array.isArray(action?.args) ? action.args.map(String) : [];
    return `${String(p.batch)} → ${String(target)}: ${String(action?.type)} ${[String(action?.program), ...args].join(' ')}`;
  },
  events: [],
});
