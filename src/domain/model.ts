import * as z from 'zod';
import { type SerialStep, serialSchema } from './batchSerial';
import { timeoutSchema } from './programSchemas';

/**
 * A model of the registry: `ai/models/<name>.yaml` in the workspace, its versions written by `infradeck ai
 * register` and its stages by `infradeck ai promote` (both keep the file's comments).
 *
 * ```yaml
 * name: tiny-regression          # default: the file's name
 * description: fits y = 3x + 1
 * rollout:                       # defaults of `infradeck ai rollout` (its flags win)
 *   servers: [gpu-1, gpu-2, gpu-3]
 *   local: true                  # run the commands on the worker (INFRADECK_TARGET set), not over ssh
 *   serial: [1, 50%]             # waves; the rollout pauses after each one until `advance`
 *   deploy: "systemctl restart model@$INFRADECK_MODEL_VERSION"   # sh -c, on each target
 *   health: "curl -fsS http://localhost:8080/health"             # after the deploy; failing stops the rollout
 *   rollback: "systemctl restart model@$INFRADECK_MODEL_VERSION" # run with the previous version
 *   timeout: 10m                 # per target
 * versions:
 *   - version: 1
 *     stage: production          # staging | production | archived
 *     run: "12"                  # the experiment run it came from
 *     experiment: tiny-regression
 *     params: { lr: "0.1" }
 *     metrics: { val_loss: 0.0031 }
 *     artifact: s3://models/tiny/1/model.pt
 *     registeredAt: "2025-06-01T10:00:00.000Z"
 *     registeredBy: ada@ops-1
 * ```
 */

export const modelStages = ['staging', 'production', 'archived'] as const;
export type ModelStage = (typeof modelStages)[number];

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
export const modelNameRule =
  'a model name is 1-48 letters, digits, ".", "_" or "-", starting with a letter or digit';
/** Words of `ai rollout` that cannot also be model names (`ai rollout advance 12` must mean one thing). */
export const reservedModelNames = ['advance', 'rollback', 'simulate-incident'] as const;

export function isModelName(name: string): boolean {
  return namePattern.test(name) && !(reservedModelNames as readonly string[]).includes(name);
}

/** Versions are whole numbers from 1, as MLflow's: at most six digits keep a rollout's batch name short. */
export const maxModelVersion = 999_999;

/** `3` or `v3` -> 3; undefined for anything else. */
export function readModelVersion(text: string): number | undefined {
  const m = /^v?([1-9]\d{0,5})$/i.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

const textValue = z.union([z.string().max(4096), z.number(), z.boolean()]);

const versionSchema = z
  .object({
    version: z.number().int().min(1).max(maxModelVersion),
    stage: z.enum(modelStages),
    run: z.union([z.string().min(1).max(200), z.number()]).optional(),
    experiment: z.string().min(1).max(64).optional(),
    params: z.record(z.string(), textValue).default({}),
    metrics: z.record(z.string(), z.number()).default({}),
    artifact: z.string().min(1).max(4096).optional(),
    registeredAt: z.string().max(64).optional(),
    registeredBy: z.string().max(300).optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();

const commandSchema = z.string().min(1, 'an empty command').max(65_536);

const rolloutSchema = z
  .object({
    servers: z.array(z.string().min(1).max(300)).min(1).optional(),
    local: z.boolean().optional(),
    serial: serialSchema.optional(),
    deploy: commandSchema.optional(),
    health: commandSchema.optional(),
    rollback: commandSchema.optional(),
    timeout: timeoutSchema.optional(),
  })
  .strict();

export const modelFileSchema = z
  .object({
    name: z.string().regex(namePattern, modelNameRule).optional(),
    description: z.string().max(2000).optional(),
    rollout: rolloutSchema.optional(),
    versions: z.array(versionSchema).max(100_000).default([]),
  })
  .strict();

export type ModelFileValue = z.output<typeof modelFileSchema>;

export interface ModelVersion {
  version: number;
  stage: ModelStage;
  run?: string;
  experiment?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  artifact?: string;
  registeredAt?: string;
  registeredBy?: string;
  description?: string;
}

export interface ModelRolloutDefaults {
  servers?: string[];
  local?: boolean;
  serial?: SerialStep[];
  deploy?: string;
  health?: string;
  rollback?: string;
  timeoutMs?: number;
}

export interface ModelDefinition {
  name: string;
  description?: string;
  rollout: ModelRolloutDefaults;
  /** In the file's order. */
  versions: ModelVersion[];
}

export function modelOf(value: ModelFileValue, fallbackName: string): ModelDefinition {
  const r = value.rollout ?? {};
  return {
    name: value.name ?? fallbackName,
    ...(value.description !== undefined ? { description: value.description } : {}),
    rollout: {
      ...(r.servers ? { servers: r.servers } : {}),
      ...(r.local !== undefined ? { local: r.local } : {}),
      ...(r.serial ? { serial: r.serial } : {}),
      ...(r.deploy !== undefined ? { deploy: r.deploy } : {}),
      ...(r.health !== undefined ? { health: r.health } : {}),
      ...(r.rollback !== undefined ? { rollback: r.rollback } : {}),
      ...(r.timeout !== undefined ? { timeoutMs: r.timeout } : {}),
    },
    versions: value.versions.map((v) => ({
      version: v.version,
      stage: v.stage,
      ...(v.run !== undefined ? { run: String(v.run) } : {}),
      ...(v.experiment !== undefined ? { experiment: v.experiment } : {}),
      params: Object.fromEntries(Object.entries(v.params).map(([k, p]) => [k, String(p)])),
      metrics: v.metrics,
      ...(v.artifact !== undefined ? { artifact: v.artifact } : {}),
      ...(v.registeredAt !== undefined ? { registeredAt: v.registeredAt } : {}),
      ...(v.registeredBy !== undefined ? { registeredBy: v.registeredBy } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
    })),
  };
}

export function productionVersion(model: Pick<ModelDefinition, 'versions'>): ModelVersion | undefined {
  return model.versions.find((v) => v.stage === 'production');
}

export function nextVersionNumber(model: Pick<ModelDefinition, 'versions'>): number {
  return Math.max(0, ...model.versions.map((v) => v.version)) + 1;
}

/** One stage change, as the registry job reports (and the audit trail's job entry describes) it. */
export interface StageTransition {
  version: number;
  from: ModelStage | 'new';
  to: ModelStage;
}

/**
 * The stage changes that promoting `version` to `to` makes, or why it is refused. Stages go forward
 * (`staging → production → archived`, or `staging → archived`); an archived version comes back through
 * `staging` (so it is looked at again before it serves). One version is in production at a time: promoting
 * another one archives it, in the same change.
 */
export function promotion(
  model: Pick<ModelDefinition, 'name' | 'versions'>,
  version: number,
  to: ModelStage,
): { ok: true; transitions: StageTransition[] } | { ok: false; message: string } {
  const found = model.versions.find((v) => v.version === version);
  if (!found) {
    const known = model.versions.map((v) => `v${v.version}`).join(', ') || 'none';
    return { ok: false, message: `${model.name} has no version ${version} (versions: ${known})` };
  }
  const from = found.stage;
  if (from === to) return { ok: false, message: `${model.name} v${version} is in ${to} already` };
  const allowed: Record<ModelStage, ModelStage[]> = {
    staging: ['production', 'archived'],
    production: ['archived'],
    archived: ['staging'],
  };
  if (!allowed[from].includes(to)) {
    const hint =
      from === 'archived'
        ? 'promote it to staging first'
        : from === 'production'
          ? 'a production version goes to archived (promoting another version archives it)'
          : '';
    return {
      ok: false,
      message: `${model.name} v${version}: ${from} → ${to} is not a stage change the registry makes (${from} → ${allowed[from].join(' | ')})${hint ? `; ${hint}` : ''}`,
    };
  }
  const transitions: StageTransition[] = [{ version, from, to }];
  if (to === 'production') {
    const current = productionVersion(model);
    if (current && current.version !== version)
      transitions.push({ version: current.version, from: 'production', to: 'archived' });
  }
  return { ok: true, transitions };
}

/** `v3 staging → production, v2 production → archived`. */
export function transitionsText(transitions: readonly StageTransition[]): string {
  return transitions.map((t) => `v${t.version} ${t.from} → ${t.to}`).join(', ');
}

/** The last value of each metric: what a version records of its run. */
export function finalMetrics(
  summaries: ReadonlyArray<{ name: string; last: number }> | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of summaries ?? []) if (Number.isFinite(s.last)) out[s.name] = s.last;
  return out;
}

/** `s3://bucket/key/of/object` -> its parts; undefined for any other text. */
export function readS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}
