import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BatchDefinition } from '../../domain/batch';
import { defaultBatchTimeoutMs } from '../../domain/batch';
import { type BatchPlan, planBatch } from '../../domain/batchPlan';
import { type BatchRunView, batchPayload } from '../../domain/batchRun';
import type { SerialStep } from '../../domain/batchSerial';
import { resolveTargets } from '../../domain/batchTargets';
import type { BatchPayload } from '../../domain/jobKinds/batch';
import { type ModelDefinition, productionVersion } from '../../domain/model';
import {
  incidentTarget,
  type RolloutSpec,
  readRolloutAction,
  rollbackTargets,
  rolloutAction,
  rolloutBatchName,
} from '../../domain/rollout';
import { batchTargetInputs } from '../batch/batchesFolder';
import type { Env } from '../storage/userPath';
import { workspacePaths } from '../storage/workspace';

/** A canary by default: one target, then half of them at a time, pausing after each wave. */
export const defaultRolloutSerial: SerialStep[] = [{ count: 1 }, { percent: 50 }];

/** What `infradeck ai rollout` was given; each unset one comes from the model's `rollout:` defaults. */
export interface RolloutRequest {
  model: ModelDefinition;
  version: number;
  servers?: string[];
  serial?: SerialStep[];
  deploy?: string;
  health?: string;
  rollback?: string;
  local?: boolean;
  timeoutMs?: number;
  /** The cloud is the DEMO one: a local rollout gets a DEMO incident file (`simulate-incident`). */
  demo: boolean;
}

export type PlannedRollout =
  | { ok: true; spec: RolloutSpec; plan: BatchPlan; payload: BatchPayload }
  | { ok: false; errors: string[] };

/** `<workspace>/.cache/ai/rollouts`: the DEMO incident files (disposable like the rest of `.cache`). */
export function rolloutsCacheFolder(dataDir: string): string {
  return join(workspacePaths(dataDir).cacheDir, 'ai', 'rollouts');
}

/**
 * The batch a rollout is (see `domain/rollout.ts`): its targets resolved now from `servers.yaml` names or
 * addresses, one wave per serial size, a manual pause before every wave after the first, and any failed target
 * (a failed deploy or health check) stopping it at the end of its wave. Problems come back as lines to print.
 */
export async function planRollout(
  request: RolloutRequest,
  opts: { dataDir: string; env?: Env },
): Promise<PlannedRollout> {
  const { model, version } = request;
  const defaults = model.rollout;
  const errors: string[] = [];
  const entry = model.versions.find((v) => v.version === version);
  if (!entry) {
    const known = model.versions.map((v) => `v${v.version}`).join(', ') || 'none';
    errors.push(
      `${model.name} has no version ${version} (versions: ${known}; infradeck ai register RUN --model ${model.name})`,
    );
  } else if (entry.stage === 'archived') {
    errors.push(
      `${model.name} v${version} is archived: promote it to staging first (infradeck ai promote ${model.name} ${version} staging)`,
    );
  }
  const deploy = request.deploy ?? defaults.deploy;
  if (!deploy) errors.push(`no deploy command: give --deploy CMD, or rollout.deploy in the model's file`);
  const servers = request.servers ?? defaults.servers;
  if (!servers?.length)
    errors.push("no servers: give --servers a,b,c, or rollout.servers in the model's file");
  if (errors.length > 0 || !deploy || !servers) return { ok: false, errors };

  const { inputs, errors: serverErrors } = await batchTargetInputs(opts.dataDir, [], opts.env);
  const resolved = resolveTargets([{ names: servers }], inputs);
  if (!resolved.ok)
    return {
      ok: false,
      errors: [...serverErrors, ...resolved.problems.map((p) => `--servers: ${p.message}`)],
    };

  const local = request.local ?? defaults.local ?? false;
  const production = productionVersion(model);
  const previous = production && production.version !== version ? production.version : undefined;
  const spec: RolloutSpec = {
    model: model.name,
    version,
    ...(previous !== undefined ? { previous } : {}),
    step: 'deploy',
    deploy,
    health: request.health ?? defaults.health ?? '',
    rollback: request.rollback ?? defaults.rollback ?? '',
    // Only a DEMO rollout on the worker can be made to fail on purpose: its health check reads this file.
    incidentFile:
      request.demo && local
        ? join(
            rolloutsCacheFolder(opts.dataDir),
            `${model.name}-v${version}-${randomBytes(4).toString('hex')}.incident`,
          )
        : '',
  };
  const batch: BatchDefinition = {
    name: rolloutBatchName(spec),
    targets: [{ names: servers }],
    action: rolloutAction(spec, local ? 'local' : 'ssh') as BatchDefinition['action'],
    serial: request.serial ?? defaults.serial ?? defaultRolloutSerial,
    maxFailPercentage: 0,
    pause: { manual: true },
    timeoutMs: request.timeoutMs ?? defaults.timeoutMs ?? defaultBatchTimeoutMs,
  };
  const plan = planBatch(batch, resolved.targets);
  return { ok: true, spec, plan, payload: batchPayload(plan) };
}

/** The rollout a batch run is, or why it is not one. */
export function rolloutOfRun(run: BatchRunView): { spec: RolloutSpec } | { error: string } {
  const spec = readRolloutAction(run.payload.action);
  if (!spec) return { error: `run ${run.job.id} (${run.payload.name}) is a batch, not a model rollout` };
  return { spec };
}

/**
 * The batch that rolls a rollout back: the rollback command on every target the rollout deployed to, with the
 * previous version in `INFRADECK_MODEL_VERSION`, all in one wave, every target tried whatever the others do.
 */
export function rollbackPayload(
  run: BatchRunView,
  opts: { rollback?: string } = {},
): { ok: true; payload: BatchPayload; spec: RolloutSpec } | { ok: false; error: string } {
  const of = rolloutOfRun(run);
  if ('error' in of) return { ok: false, error: of.error };
  const rollout = of.spec;
  if (rollout.step !== 'deploy')
    return {
      ok: false,
      error: `run ${run.job.id} is a rollback already (of ${rollout.model} to v${rollout.version})`,
    };
  if (rollout.previous === undefined)
    return {
      ok: false,
      error: `${rollout.model} had no production version before v${rollout.version}: there is no previous version to roll back to`,
    };
  const rollback = opts.rollback ?? rollout.rollback;
  if (!rollback)
    return {
      ok: false,
      error: `no rollback command: give --rollback CMD (the rollout was started without one)`,
    };
  const done = new Set(rollbackTargets(run.targets).map((t) => t.key));
  const targets = run.payload.targets.filter((t) => done.has(t.key));
  if (targets.length === 0)
    return { ok: false, error: `run ${run.job.id} deployed to no target yet: nothing to roll back` };
  const spec: RolloutSpec = {
    ...rollout,
    step: 'rollback',
    version: rollout.previous,
    rolledBackFrom: rollout.version,
    rollback,
  };
  delete spec.previous;
  const action = run.payload.action;
  return {
    ok: true,
    spec,
    payload: {
      name: rolloutBatchName(spec),
      targets,
      action: rolloutAction(spec, action.type === 'local' ? 'local' : 'ssh'),
      serial: [],
      maxFailPercentage: 100,
      timeoutMs: run.payload.timeoutMs,
    },
  };
}

/**
 * DEMO: makes one target's health check fail from now on, by naming it in the rollout's incident file (the
 * runner reads it after the deploy). The target is `name`, or the first one not started yet.
 */
export async function simulateIncident(
  run: BatchRunView,
  name?: string,
): Promise<{ ok: true; target: string; file: string } | { ok: false; error: string }> {
  const of = rolloutOfRun(run);
  if ('error' in of) return { ok: false, error: of.error };
  const file = of.spec.incidentFile;
  if (!file)
    return {
      ok: false,
      error: `run ${run.job.id} was not started on the DEMO cloud with local targets: a simulated incident is a DEMO feature, and real servers fail on their own`,
    };
  const target = name === undefined ? incidentTarget(run.targets) : run.targets.find((t) => t.name === name);
  if (!target) {
    return {
      ok: false,
      error:
        name === undefined
          ? `every target of run ${run.job.id} has started already: name one with --target (its health check ran already)`
          : `run ${run.job.id} has no target "${name}" (targets: ${run.targets.map((t) => t.name).join(', ')})`,
    };
  }
  await mkdir(dirname(file), { recursive: true });
  const before = await readFile(file, 'utf8').catch(() => '');
  if (!before.split('\n').includes(target.name)) await appendFile(file, `${target.name}\n`);
  return { ok: true, target: target.name, file };
}
