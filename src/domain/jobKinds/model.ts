import * as z from 'zod';
import { maxModelVersion, modelStages, type StageTransition } from '../model';
import { readOnlyField } from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

const modelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/, 'not a model name (1-48 letters, digits, ".", "_" or "-")');

/**
 * `model`: a change to the workspace's model registry (`ai/models/<model>.yaml`): `register` records an experiment
 * run as a new version (what the run was is read when it is asked for: the worker writes exactly this), `promote`
 * moves a version to another stage. A job, not a file write by whoever asks, so that read-only mode refuses it
 * (at enqueue and again on the worker) and the audit trail says who changed the registry and how it ended.
 */
export const modelPayloadSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('register'),
      model: modelNameSchema,
      run: z.string().min(1).max(200),
      experiment: z.string().min(1).max(64).optional(),
      params: z.record(z.string().max(64), z.string().max(4096)).default({}),
      metrics: z.record(z.string().max(128), z.number()).default({}),
      artifact: z.string().min(1).max(4096),
      readOnly: readOnlyField,
    })
    .strict(),
  z
    .object({
      action: z.literal('promote'),
      model: modelNameSchema,
      version: z.number().int().min(1).max(maxModelVersion),
      stage: z.enum(modelStages),
      readOnly: readOnlyField,
    })
    .strict(),
]);
export type ModelPayload = z.output<typeof modelPayloadSchema>;

export interface ModelResult {
  model: string;
  /** The model's file, as the worker wrote it. */
  file: string;
  version: number;
  transitions: StageTransition[];
  /** How the artifact was checked: `s3 object found`, `file found`, `not checked (https)`. */
  artifactCheck?: string;
  message: string;
}

export const modelJob = declareJobKind({
  kind: 'model',
  payload: modelPayloadSchema,
  result: carries<ModelResult>(),
  // A registry edit is quick and safe to repeat only through the checks it makes: one attempt, the asker retries.
  policy: { attempts: 1, backoffMs: 1_000, timeoutMs: 2 * 60_000 },
  changes: true,
  describe: (payload) => {
    const p = payload as Record<string, unknown>;
    const model = String(p.model ?? '?');
    if (p.action === 'register') return `model register run ${String(p.run ?? '?')} as a version of ${model}`;
    if (p.action === 'promote')
      return `model promote ${model} v${String(p.version ?? '?')} to ${String(p.stage ?? '?')}`;
    return `model ${String(p.action ?? '?')} ${model}`;
  },
  events: [],
});
