import type { BatchAction, BatchDefinition } from './batch';
import { durationSetting, pauseText } from './batchDuration';
import { type BatchTargetState, retryTargets } from './batchOutcome';
import { serialText } from './batchSerial';
import type { BatchTarget } from './batchTargets';
import { splitIntoWaves } from './batchWaves';
import { describeJob } from './job';

/** What a batch will do, shown before it starts (the tab's confirmation, `batch run` without `--yes`). */
export interface BatchPlan {
  batch: BatchDefinition;
  targets: BatchTarget[];
  waves: BatchTarget[][];
}

export function planBatch(batch: BatchDefinition, targets: readonly BatchTarget[]): BatchPlan {
  return { batch, targets: [...targets], waves: splitIntoWaves(targets, batch.serial) };
}

/** The run's rows before it starts: every target `pending` in its wave. */
export function pendingTargetStates(plan: BatchPlan): BatchTargetState[] {
  return plan.waves.flatMap((wave, i) =>
    wave.map((t) => ({ key: t.key, name: t.name, wave: i + 1, status: 'pending' as const })),
  );
}

/** A retry: the failed and cancelled targets of a run, in their order, cut into waves again by the same serial. */
export function retryPlan(plan: BatchPlan, states: readonly BatchTargetState[]): BatchPlan {
  const again = new Set(retryTargets(states).map((t) => t.key));
  return planBatch(
    plan.batch,
    plan.targets.filter((t) => again.has(t.key)),
  );
}

export interface PlanTextOptions {
  /** Names shown per wave line before `… and N more`. */
  namesPerWave?: number;
  /** Targets listed one per line before `… and N more`; 0 lists none (the waves still name them). */
  targetLines?: number;
}

/**
 * ```
 * batch restart-web: ssh sudo systemctl restart nginx
 * 2 targets in 2 waves (serial 1); any failure stops the batch; no pause; timeout 5m per target
 *   localhost        127.0.0.1:22          servers.yaml
 *   bastion-example  ops@127.0.0.2:2222    servers.yaml
 * wave 1: localhost (1)
 * wave 2: bastion-example (1)
 * ```
 */
export function batchPlanLines(plan: BatchPlan, options: PlanTextOptions = {}): string[] {
  const { batch, targets, waves } = plan;
  const namesPerWave = options.namesPerWave ?? 10;
  const targetLines = options.targetLines ?? 20;
  const lines = [`batch ${batch.name}: ${batchActionText(batch.action)}`];
  lines.push(
    [
      `${count(targets.length, 'target')} in ${count(waves.length, 'wave')} (serial ${serialText(batch.serial)})`,
      thresholdText(batch.maxFailPercentage),
      batch.pause ? `pause ${pauseText(batch.pause)} between waves` : 'no pause',
      `timeout ${durationSetting(batch.timeoutMs)} per target`,
    ].join('; '),
  );
  const listed = targets.slice(0, targetLines);
  const nameWidth = Math.max(0, ...listed.map((t) => t.name.length));
  const addresses = listed.map(addressText);
  const addressWidth = Math.max(0, ...addresses.map((a) => a.length));
  for (const [i, t] of listed.entries()) {
    const also = t.sameAddress ? `  also ${t.sameAddress.join(', ')}: same address, runs once` : '';
    lines.push(`  ${t.name.padEnd(nameWidth)}  ${addresses[i].padEnd(addressWidth)}  ${t.source}${also}`);
  }
  if (targets.length > listed.length && targetLines > 0)
    lines.push(`  … and ${targets.length - listed.length} more`);
  for (const [i, wave] of waves.entries()) {
    const shown = wave.slice(0, namesPerWave).map((t) => t.name);
    const more = wave.length > shown.length ? ` … and ${wave.length - shown.length} more` : '';
    lines.push(`wave ${i + 1}: ${shown.join(', ')}${more} (${wave.length})`);
  }
  return lines;
}

/** `ssh systemctl restart nginx`, `local kubectl --context prod get pods`, `job scan eu-west-1`. */
export function batchActionText(action: BatchAction): string {
  if (action.type === 'job') return `job ${describeJob(action.job.kind, action.job.payload)}`;
  return `${action.type} ${[action.program, ...action.args].map(quoted).join(' ')}`;
}

function thresholdText(maxFailPercentage: number): string {
  if (maxFailPercentage === 0) return 'any failure stops the batch';
  return `stops when more than ${maxFailPercentage}% of a wave fails`;
}

function addressText(t: BatchTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user ? `${t.user}@` : ''}${host}:${t.port ?? 22}`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function quoted(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
