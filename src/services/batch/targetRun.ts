import { mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { BatchTarget } from '../../domain/batchTargets';
import { SecretMask, secretValuesOf } from '../../domain/secretMask';
import { stripControl } from '../../domain/text';
import { commandEnvironment } from '../process/commandEnvironment';
import { readLines, waitOrDestroy } from '../process/lineSplitter';
import { type SpawnedProgram, spawnProgram } from '../process/programSpawner';
import { sshArgv, sshCommandArgv } from '../servers/sshArgv';

/** What running one target needs of a batch target (src/domain/batchTargets.ts): where and as whom. */
export type RunnableTarget = Pick<BatchTarget, 'key' | 'name' | 'host' | 'port' | 'user' | 'identityFile'>;

/**
 * A batch's `ssh` or `local` action (src/domain/batch.ts `BatchAction`): `ssh` runs `program args…` on the
 * target over ssh, `local` runs it on the worker.
 */
export interface TargetAction {
  type: 'ssh' | 'local';
  program: string;
  args: readonly string[];
}

export type OutputStream = 'stdout' | 'stderr';

export interface TargetRunOptions {
  /** ssh's known_hosts for batch runs (`batchKnownHostsFile`): a new host's key is accepted, a changed one refused. */
  knownHostsFile: string;
  /** The whole run, connection included; then the process group gets SIGTERM, then SIGKILL. None by default. */
  timeoutMs?: number;
  /** ssh's `ConnectTimeout`. Default 10 s. */
  connectTimeoutSeconds?: number;
  /** Cancels the run the same way as the timeout. */
  signal?: AbortSignal;
  /** Every output line, escape sequences stripped and secrets masked. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** The last line that says something, each time it changes (ssh's own chatter left out, as for `lastLine`). */
  onLastLine?: (line: string) => void;
  /** Between SIGTERM and SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Longest output line kept (longer ones are cut). Default 4096. */
  maxLineLength?: number;
  /** Where the allowed variables of the program's environment come from. Default `process.env`. */
  workerEnv?: NodeJS.ProcessEnv;
  /** More ssh options, ahead of the target's (`['-F', '/dev/null']`). */
  sshOptions?: readonly string[];
}

export interface TargetRunResult {
  /** The program's exit code; 128 + the signal's number when a signal ended it. ssh itself fails with 255. */
  exitCode: number;
  signal?: NodeJS.Signals;
  durationMs: number;
  /** The last line that says something (empty when there was none), for the per-target table. */
  lastLine: string;
  timedOut: boolean;
  cancelled: boolean;
}

/** Where batch runs keep the host keys of their ssh targets: in the workspace's disposable `.cache/`. */
export function batchKnownHostsFile(cacheDir: string): string {
  return join(cacheDir, 'ssh', 'known_hosts');
}

/** Lines ssh prints on a good run that say nothing about the command's outcome: never a target's last line. */
export const sshNoise = [/^Warning: Permanently added /];

/** A line that can be a target's last line: it has text, and it is not the runner's own noise. */
export function saysSomething(line: string, noise: readonly RegExp[]): boolean {
  return line.trim() !== '' && !noise.some((n) => n.test(line));
}

/**
 * Runs one target of a batch to its end and says how it went; a non-zero exit is a result, not an error (only a
 * program that cannot start at all throws).
 *
 * - `ssh`: the system `ssh`, with the Servers tab's argv (`sshArgv`) plus `BatchMode`, a connect timeout and the
 *   remote command quoted word by word (`sshCommandArgv`). Host keys: `StrictHostKeyChecking=accept-new` into
 *   `knownHostsFile`, so a first contact is recorded and a changed key fails the target ("Host key verification
 *   failed", exit 255), and ~/.ssh/known_hosts is neither read for trust nor written. ssh gets the worker's
 *   `SSH_AUTH_SOCK` besides the command environment: the agent is how most operators hold their keys.
 * - `local`: the program on the worker, no shell, with `INFRADECK_TARGET` and `INFRADECK_TARGET_HOST` set.
 * - Both run in their own process group, started by the worker's spawner (`spawnProgram`, which ends the group if
 *   the worker dies), which timeout and cancel end (SIGTERM, SIGKILL after `killGraceMs`), as does the end of the
 *   program (nothing it started outlives it). Killing ssh ends the connection, but a
 *   remote command without a terminal is not signalled by sshd: a remote `sleep 600` keeps running.
 * - A signal already aborted throws before anything runs; aborted later, the run ends with `cancelled`.
 */
export async function runTarget(
  target: RunnableTarget,
  action: TargetAction,
  opts: TargetRunOptions,
): Promise<TargetRunResult> {
  opts.signal?.throwIfAborted();
  const workerEnv = opts.workerEnv ?? process.env;
  const killGraceMs = opts.killGraceMs ?? 5_000;
  const { file, args, env, noise } = await invocation(target, action, opts, workerEnv);
  opts.signal?.throwIfAborted();

  const started = performance.now();
  let child: SpawnedProgram;
  try {
    child = await spawnProgram({ file, argv: args, env }, killGraceMs);
  } catch (error) {
    throw new Error(describeSpawnError(file, error as Error));
  }
  const mask = new SecretMask(secretValuesOf(workerEnv));
  let lastLine = '';
  const take = (raw: string, stream: OutputStream) => {
    const line = mask.line(stripControl(raw), stream);
    if (saysSomething(line, noise)) {
      lastLine = line.trim();
      opts.onLastLine?.(lastLine);
    }
    opts.onLine?.(line, stream);
  };
  const maxLineLength = opts.maxLineLength ?? 4096;
  const streamsDone = Promise.all([
    readLines(child.stdout, (line) => take(line, 'stdout'), maxLineLength),
    readLines(child.stderr, (line) => take(line, 'stderr'), maxLineLength),
  ]);

  let timedOut = false;
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    child.stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the program started: no 'abort' event comes any more.
  if (opts.signal?.aborted) onAbort();
  const timeout =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          child.stop();
        }, opts.timeoutMs)
      : undefined;

  const exit = await child.exited;
  const durationMs = Math.round(performance.now() - started);
  if (timeout) clearTimeout(timeout);
  opts.signal?.removeEventListener('abort', onAbort);
  await child.end();
  await waitOrDestroy(streamsDone, [child.stdout, child.stderr], 2_000);

  return {
    exitCode: exit.code ?? 128 + (exit.signal ? (constants.signals[exit.signal] ?? 0) : 0),
    ...(exit.signal ? { signal: exit.signal } : {}),
    durationMs,
    lastLine,
    timedOut,
    cancelled,
  };
}

interface Invocation {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Lines not taken for the last line. */
  noise: RegExp[];
}

async function invocation(
  target: RunnableTarget,
  action: TargetAction,
  opts: TargetRunOptions,
  workerEnv: NodeJS.ProcessEnv,
): Promise<Invocation> {
  if (!action.program)
    throw new Error(`${target.name}: no program to run (${action.type}: [program, args…])`);
  if (action.type === 'local') {
    const env = commandEnvironment(workerEnv, {
      INFRADECK_TARGET: target.name,
      INFRADECK_TARGET_HOST: target.host,
    });
    return { file: action.program, args: [...action.args], env, noise: [] };
  }
  const plan = sshArgv({
    kind: 'host',
    host: {
      name: target.name,
      host: target.host,
      port: target.port ?? 22,
      ...(target.user ? { user: target.user } : {}),
      ...(target.identityFile ? { identityFile: target.identityFile } : {}),
      tags: {},
    },
  });
  if (!plan.ok) throw new Error(plan.error);
  // ssh writes a new host's key but does not make the folder for it.
  await mkdir(dirname(opts.knownHostsFile), { recursive: true });
  const [file, ...args] = sshCommandArgv(plan.argv, [action.program, ...action.args], {
    connectTimeoutSeconds: opts.connectTimeoutSeconds ?? 10,
    options: [
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${opts.knownHostsFile}`,
      ...(opts.sshOptions ?? []),
    ],
  });
  const agent = workerEnv.SSH_AUTH_SOCK ? { SSH_AUTH_SOCK: workerEnv.SSH_AUTH_SOCK } : undefined;
  return { file: file!, args, env: commandEnvironment(workerEnv, agent), noise: sshNoise };
}

function describeSpawnError(program: string, error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return program === 'ssh'
      ? 'cannot run "ssh": not found (install the OpenSSH client, e.g. apt-get install openssh-client)'
      : `cannot run "${program}": not found (is it on the worker's PATH?)`;
  }
  if (code === 'EACCES') return `cannot run "${program}": permission denied`;
  return `cannot run "${program}": ${error.message}`;
}
