import * as z from 'zod';
import type { StepStatus } from '../pipelineDag';
import { carries, declareJobKind } from './jobKindDeclaration';

/**
 * `pipeline`: a run of a local pipeline. A parent job: each step is a child job (`pipelineStep`, keyed by the
 * step's name), added as soon as every step it needs passed, so independent steps run at once on any worker.
 * Its payload is the pipeline as read when the run was asked for, folders resolved: the workers run exactly that.
 */
const argvSchema = z.array(z.string().max(65_536)).max(4096);
const envSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string());
const stepNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const timeoutSchema = z
  .number()
  .int()
  .min(1_000)
  .max(24 * 3_600_000);

export const pipelineRunStepSchema = z
  .object({
    name: stepNameSchema,
    program: z.string().min(1).max(65_536),
    args: argvSchema,
    shell: z.boolean(),
    needs: z.array(stepNameSchema).max(1000),
    env: envSchema,
    /** Absolute, on the worker. */
    cwd: z.string().min(1).max(4096),
    timeoutMs: timeoutSchema.optional(),
    attempts: z.number().int().min(1).max(10),
  })
  .strict();
export type PipelineRunStepSpec = z.output<typeof pipelineRunStepSchema>;

/** A step a retry does not run again: it passed in the run it is copied from. */
export const keptStepSchema = z
  .object({
    name: stepNameSchema,
    /** The step's job in the run it passed in. */
    jobId: z.string().min(1).optional(),
    attempts: z.number().int().min(0),
    durationMs: z.number().min(0).optional(),
  })
  .strict();
export type KeptStep = z.output<typeof keptStepSchema>;

export const pipelinePayloadSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** Where it was read: the file, and the repository's name for a repository's pipeline. */
    source: z
      .object({ file: z.string().min(1).max(4096), repo: z.string().min(1).max(200).optional() })
      .strict(),
    steps: z.array(pipelineRunStepSchema).min(1).max(1000),
    /** A retry: the run whose failed, skipped and cancelled steps these run again. */
    retryOf: z.string().min(1).optional(),
    kept: z.array(keptStepSchema).max(1000).default([]),
  })
  .strict();
export type PipelinePayload = z.output<typeof pipelinePayloadSchema>;

/** A step as a run reports it. */
export interface PipelineRunStep {
  name: string;
  status: StepStatus;
  /** Times its program was started (a kept step: in the run it passed in). */
  attempts: number;
  durationMs?: number;
  exitCode?: number;
  jobId?: string;
  /** Passed in an earlier run (a retry keeps it; not run again). */
  kept?: boolean;
}

export interface PipelineResult {
  status: 'passed' | 'failed' | 'cancelled';
  steps: PipelineRunStep[];
}

export const pipelineJob = declareJobKind({
  kind: 'pipeline',
  payload: pipelinePayloadSchema,
  result: carries<PipelineResult>(),
  // The handler starts again from its children: a retried attempt adds no step twice.
  policy: { attempts: 3, backoffMs: 2_000, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const steps = Array.isArray(p.steps) ? p.steps.length : 0;
    const repo = (p.source as { repo?: unknown } | undefined)?.repo;
    const retry = typeof p.retryOf === 'string' ? ` (retry of ${p.retryOf})` : '';
    return `pipeline ${typeof repo === 'string' ? `${repo}:` : ''}${String(p.name)}: ${steps} step${steps === 1 ? '' : 's'}${retry}`;
  },
  events: [],
  // Its steps, keyed by name.
  childrenOf: (run) =>
    new Map(
      run.steps.map((step) => [step.name, { kind: 'pipelineStep', payload: pipelineStepPayload(run, step) }]),
    ),
});

/** A step of a run as its child job's payload: the step as the run has it, less what only the run reads. */
export function pipelineStepPayload(run: PipelinePayload, step: PipelineRunStepSpec): PipelineStepPayload {
  const { needs: _needs, ...spec } = step;
  return { pipeline: run.name, step: spec };
}

export const pipelineStepPayloadSchema = z
  .object({
    pipeline: z.string().min(1).max(64),
    step: pipelineRunStepSchema.omit({ needs: true }),
  })
  .strict();
export type PipelineStepPayload = z.output<typeof pipelineStepPayloadSchema>;

export interface PipelineStepResult {
  exitCode?: number;
  /** Null when nobody saw its program end (its worker died while it ran). */
  durationMs: number | null;
  /** Output lines (stdout, stderr) of all its attempts, as its log holds them. */
  lines: number;
  /** Times its program was started, this one included. */
  starts: number;
}

export const pipelineStepJob = declareJobKind({
  kind: 'pipelineStep',
  payload: pipelineStepPayloadSchema,
  result: carries<PipelineStepResult>(),
  // The step's own `retry` is the spec's attempts; a step whose worker died counts an attempt (its start mark).
  policy: { attempts: 1, backoffMs: 1_000, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const step = p.step as { name?: unknown; program?: unknown; args?: unknown; shell?: unknown } | undefined;
    const args = Array.isArray(step?.args) ? step.args.map(String) : [];
    return `${String(p.pipeline)} → ${String(step?.name)}: ${step?.shell === true ? 'sh -c ' : ''}${[String(step?.program), ...args].join(' ')}`;
  },
  events: [],
});
