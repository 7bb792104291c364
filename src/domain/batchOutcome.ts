/**
 * How a batch run stands, from its targets alone: any process (the TUI, the CLI, a worker that took over)
 * derives the same status from the same rows, so nothing about it is stored twice.
 */

export const batchTargetStatuses = ['pending', 'running', 'ok', 'failed', 'skipped', 'cancelled'] as const;
/**
 * `pending`: its wave has not started. `running`: its child job was enqueued (queued on a worker or running).
 * `skipped`: never ran because an earlier wave crossed the threshold. `cancelled`: the batch was cancelled before
 * or while it ran.
 */
export type BatchTargetStatus = (typeof batchTargetStatuses)[number];

export const batchStatuses = ['running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type BatchStatus = (typeof batchStatuses)[number];

export interface BatchTargetState {
  /** The target's key (unique in the run). */
  key: string;
  /** What a person reads: the servers.yaml name, the instance's Name, the address. */
  name: string;
  /** 1-based. */
  wave: number;
  status: BatchTargetStatus;
  exitCode?: number;
  durationMs?: number;
}

export function isTargetFinished(status: BatchTargetStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

export interface WaveTally {
  total: number;
  failed: number;
}

/**
 * Whether a finished wave stops the batch, as Ansible decides after each batch of a play: ansible/ansible
 * `lib/ansible/plugins/strategy/linear.py` stops when `failed / batch_size > max_fail_percentage / 100.0`
 * (strictly greater: 0 stops at the first failure, 50 lets 1 of 2 fail), and
 * `lib/ansible/executor/playbook_executor.py` stops when the whole batch failed, whatever the percentage (so 100
 * still stops on a wave where every target failed).
 */
export function waveStops(wave: WaveTally, maxFailPercentage: number): boolean {
  if (wave.total <= 0) return false;
  return wave.failed / wave.total > maxFailPercentage / 100 || wave.failed === wave.total;
}

export type BatchCounts = Record<BatchTargetStatus, number> & { total: number };

export function batchCounts(targets: readonly Pick<BatchTargetState, 'status'>[]): BatchCounts {
  const counts: BatchCounts = {
    total: 0,
    pending: 0,
    running: 0,
    ok: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const t of targets) {
    counts[t.status]++;
    counts.total++;
  }
  return counts;
}

type Row = Pick<BatchTargetState, 'wave' | 'status'>;

function byWave<T extends Row>(targets: readonly T[]): Map<number, T[]> {
  const waves = new Map<number, T[]>();
  for (const t of targets) {
    const list = waves.get(t.wave) ?? [];
    list.push(t);
    waves.set(t.wave, list);
  }
  return new Map([...waves].sort((a, b) => a[0] - b[0]));
}

/** The first finished wave that crossed the threshold, or undefined. */
export function stoppingWave(targets: readonly Row[], maxFailPercentage: number): number | undefined {
  for (const [wave, list] of byWave(targets)) {
    if (!list.every((t) => isTargetFinished(t.status))) continue;
    const ran = list.filter((t) => t.status !== 'skipped' && t.status !== 'cancelled');
    if (ran.length === 0) continue;
    const failed = ran.filter((t) => t.status === 'failed').length;
    if (waveStops({ total: list.length, failed }, maxFailPercentage)) return wave;
  }
  return undefined;
}

/**
 * The batch's status. `paused` is the one fact the targets cannot tell (waiting between waves for a timed
 * pause or for someone to advance it): the caller says so, and it counts only while targets are left to run.
 */
export function batchStatusOf(
  targets: readonly Row[],
  maxFailPercentage: number,
  options: { paused?: boolean } = {},
): BatchStatus {
  if (targets.some((t) => t.status === 'cancelled')) return 'cancelled';
  if (stoppingWave(targets, maxFailPercentage) !== undefined) return 'failed';
  if (targets.some((t) => !isTargetFinished(t.status))) {
    const running = targets.some((t) => t.status === 'running');
    return options.paused && !running ? 'paused' : 'running';
  }
  return 'completed';
}

/** What the coordinator of a run does next, from its targets. */
export type BatchStep =
  /** A wave is still running. */
  | { kind: 'wait' }
  /** A finished wave crossed the threshold: mark these `skipped`; the batch is `failed`. */
  | { kind: 'stop'; wave: number; skip: string[] }
  /** Start this wave's targets; `pauseFirst` when a wave ran before it (wait `pause:` or for `advance`). */
  | { kind: 'wave'; wave: number; keys: string[]; pauseFirst: boolean }
  /** Nothing left to run. */
  | { kind: 'done'; status: BatchStatus };

export function nextBatchStep(targets: readonly BatchTargetState[], maxFailPercentage: number): BatchStep {
  if (targets.some((t) => t.status === 'running')) return { kind: 'wait' };
  const cancelled = targets.some((t) => t.status === 'cancelled');
  const stop = cancelled ? undefined : stoppingWave(targets, maxFailPercentage);
  const pending = targets.filter((t) => t.status === 'pending');
  if (stop !== undefined && pending.length > 0) {
    return { kind: 'stop', wave: stop, skip: pending.map((t) => t.key) };
  }
  if (cancelled || pending.length === 0) {
    return { kind: 'done', status: batchStatusOf(targets, maxFailPercentage) };
  }
  const wave = Math.min(...pending.map((t) => t.wave));
  const keys = pending.filter((t) => t.wave === wave).map((t) => t.key);
  const pauseFirst = targets.some((t) => t.wave < wave && t.status !== 'skipped');
  return { kind: 'wave', wave, keys, pauseFirst };
}

/** Cancelling: the targets not yet finished become `cancelled` (the running ones' jobs are cancelled too). */
export function cancelledTargets(targets: readonly BatchTargetState[]): string[] {
  return targets.filter((t) => !isTargetFinished(t.status)).map((t) => t.key);
}

/** `R` and `batch retry`: the failed and cancelled targets, in their order, to run in waves again. */
export function retryTargets<T extends Pick<BatchTargetState, 'key' | 'status'>>(targets: readonly T[]): T[] {
  return targets.filter((t) => t.status === 'failed' || t.status === 'cancelled');
}

export interface BatchProgress {
  /** The latest wave that started (0 before the first). */
  wave: number;
  waves: number;
  /** Targets finished (ok, failed, skipped or cancelled). */
  done: number;
  /** Targets whose action ran to its end or was stopped while it ran (`targetRan`): what a progress bar fills. */
  ran: number;
  total: number;
}

/**
 * Whether the target's action ran (to its end, or until it was stopped): ok, failed, or cancelled after it had
 * started (it has a duration). A skipped target, and one cancelled before its wave started, never ran.
 */
export function targetRan(t: Pick<BatchTargetState, 'status' | 'durationMs'>): boolean {
  return (
    t.status === 'ok' || t.status === 'failed' || (t.status === 'cancelled' && t.durationMs !== undefined)
  );
}

export function batchProgress(
  targets: readonly (Row & Pick<BatchTargetState, 'durationMs'>)[],
): BatchProgress {
  let wave = 0;
  let waves = 0;
  let done = 0;
  let ran = 0;
  for (const t of targets) {
    waves = Math.max(waves, t.wave);
    if (t.status === 'running' || targetRan(t)) wave = Math.max(wave, t.wave);
    if (targetRan(t)) ran++;
    if (isTargetFinished(t.status)) done++;
  }
  return { wave, waves, done, ran, total: targets.length };
}

/** One target of `batch status --json`. */
export interface BatchStatusRow {
  target: string;
  wave: number;
  status: BatchTargetStatus;
  /** null until it ran (and for a target whose program never started: no ssh, a timeout). */
  exitCode: number | null;
  durationMs: number | null;
}

export function batchStatusRow(t: BatchTargetState): BatchStatusRow {
  return {
    target: t.name,
    wave: t.wave,
    status: t.status,
    exitCode: t.exitCode ?? null,
    durationMs: t.durationMs ?? null,
  };
}
