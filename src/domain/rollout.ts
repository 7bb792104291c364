import type { BatchPayload, BatchRunTarget } from './jobKinds/batch';

/**
 * A model rollout is a batch (`jobKinds/batch.ts`): the same waves, thresholds, pauses, children and views as any
 * other, run by the same handler. What makes it a rollout is its action, one argv that every target runs (over ssh,
 * or on the worker for `local` targets):
 *
 *   env INFRADECK_MODEL=M INFRADECK_MODEL_VERSION=V [INFRADECK_MODEL_PREVIOUS_VERSION=P] INFRADECK_ROLLOUT_STEP=deploy
 *       sh -c RUNNER infradeck-rollout DEPLOY HEALTH ROLLBACK DEMO_INCIDENT_FILE
 *
 * `env` puts the model and version in the environment of the commands on either kind of target (a batch action has
 * no environment of its own, and ssh passes none). RUNNER is the fixed script below: the deploy command, then the
 * health check, each `sh -c` of the text given; a failed health check fails the target, and a failed target stops
 * the rollout at the end of its wave (threshold 0). The commands ride as arguments, so the batch's payload alone
 * says what the rollout is: `readRolloutAction` reads it back for `rollback` and `simulate-incident`, in any process.
 * A rollback is another batch of the same action with `INFRADECK_ROLLOUT_STEP=rollback` and the previous version.
 */
export interface RolloutSpec {
  model: string;
  /** Deploy: the version rolled out. Rollback: the version rolled back to. */
  version: number;
  /** Deploy: the production version before this rollout (what a rollback goes back to). */
  previous?: number;
  /** Rollback: the version rolled back from. */
  rolledBackFrom?: number;
  step: 'deploy' | 'rollback';
  deploy: string;
  health: string;
  rollback: string;
  /** DEMO only: a file on the worker whose lines name the targets whose health check fails (`simulate-incident`). */
  incidentFile: string;
}

/** The script every target runs; its arguments are $1 deploy, $2 health, $3 rollback, $4 the DEMO incident file. */
export const rolloutRunner = [
  // Plain shell, no ${…} defaults (they read as template placeholders here): an unset variable is empty.
  'target="$INFRADECK_TARGET"',
  '[ -n "$target" ] || target="$(hostname)"',
  'if [ "$INFRADECK_ROLLOUT_STEP" = rollback ]; then',
  '  echo "rollback of $INFRADECK_MODEL to v$INFRADECK_MODEL_VERSION on $target"',
  '  sh -c "$3" || { rc=$?; echo "rollback failed (exit $rc)" >&2; exit "$rc"; }',
  '  echo "rolled back to v$INFRADECK_MODEL_VERSION"',
  '  exit 0',
  'fi',
  'echo "deploy of $INFRADECK_MODEL v$INFRADECK_MODEL_VERSION on $target"',
  'sh -c "$1" || { rc=$?; echo "deploy failed (exit $rc)" >&2; exit "$rc"; }',
  'if [ -n "$4" ] && [ -f "$4" ] && grep -qxF "$target" "$4"; then',
  '  echo "health check failed: DEMO incident simulated on $target (infradeck ai rollout simulate-incident)" >&2',
  '  exit 1',
  'fi',
  'if [ -n "$2" ]; then',
  '  sh -c "$2" || { rc=$?; echo "health check failed (exit $rc)" >&2; exit "$rc"; }',
  '  echo "health check ok"',
  'fi',
].join('\n');

const runnerName = 'infradeck-rollout';

/** `rollout-churn-v3`, `rollback-churn-v2`: a batch name (at most 64 characters with a 48-character model name). */
export function rolloutBatchName(spec: Pick<RolloutSpec, 'model' | 'version' | 'step'>): string {
  return `${spec.step === 'deploy' ? 'rollout' : 'rollback'}-${spec.model}-v${spec.version}`;
}

export function rolloutAction(spec: RolloutSpec, on: 'ssh' | 'local'): BatchPayload['action'] {
  const env = [
    `INFRADECK_MODEL=${spec.model}`,
    `INFRADECK_MODEL_VERSION=${spec.version}`,
    ...(spec.previous !== undefined ? [`INFRADECK_MODEL_PREVIOUS_VERSION=${spec.previous}`] : []),
    ...(spec.rolledBackFrom !== undefined ? [`INFRADECK_MODEL_ROLLBACK_FROM=${spec.rolledBackFrom}`] : []),
    `INFRADECK_ROLLOUT_STEP=${spec.step}`,
  ];
  return {
    type: on,
    program: 'env',
    args: [
      ...env,
      'sh',
      '-c',
      rolloutRunner,
      runnerName,
      spec.deploy,
      spec.health,
      spec.rollback,
      spec.incidentFile,
    ],
  };
}

/** The rollout a batch's action is, or undefined when the batch is not one. */
export function readRolloutAction(action: BatchPayload['action'] | undefined): RolloutSpec | undefined {
  if (!action || action.type === 'job' || action.program !== 'env') return undefined;
  const args = action.args;
  const sh = args.indexOf('sh');
  if (sh < 0 || args[sh + 1] !== '-c' || args[sh + 2] !== rolloutRunner || args[sh + 3] !== runnerName)
    return undefined;
  const rest = args.slice(sh + 4);
  if (rest.length !== 4) return undefined;
  const env = new Map<string, string>();
  for (const word of args.slice(0, sh)) {
    const eq = word.indexOf('=');
    if (eq <= 0) return undefined;
    env.set(word.slice(0, eq), word.slice(eq + 1));
  }
  const model = env.get('INFRADECK_MODEL');
  const version = Number(env.get('INFRADECK_MODEL_VERSION'));
  const step = env.get('INFRADECK_ROLLOUT_STEP');
  if (!model || !Number.isInteger(version) || (step !== 'deploy' && step !== 'rollback')) return undefined;
  const numberOf = (name: string) => {
    const n = Number(env.get(name));
    return env.has(name) && Number.isInteger(n) ? n : undefined;
  };
  const previous = numberOf('INFRADECK_MODEL_PREVIOUS_VERSION');
  const rolledBackFrom = numberOf('INFRADECK_MODEL_ROLLBACK_FROM');
  const [deploy, health, rollback, incidentFile] = rest as [string, string, string, string];
  return {
    model,
    version,
    ...(previous !== undefined ? { previous } : {}),
    ...(rolledBackFrom !== undefined ? { rolledBackFrom } : {}),
    step,
    deploy,
    health,
    rollback,
    incidentFile,
  };
}

/**
 * The targets a rollback goes back on: those the rollout deployed to, whether their health check passed (`ok`) or
 * not (`failed`: the new version is on it all the same). Targets never started, skipped or cancelled before they
 * ran are left alone.
 */
export function rollbackTargets(targets: readonly BatchRunTarget[]): BatchRunTarget[] {
  return targets.filter((t) => t.status === 'ok' || t.status === 'failed');
}

/** The target a DEMO incident hits when none is named: the first one not started yet (else none is left). */
export function incidentTarget(targets: readonly BatchRunTarget[]): BatchRunTarget | undefined {
  return targets.find((t) => t.status === 'pending');
}
