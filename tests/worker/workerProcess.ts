import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

/**
 * Worker processes are real `node` processes running `workerCommand`. vitest runs TypeScript in its own
 * process only, so the entry is bundled once with esbuild (our code inlined, node_modules left as imports)
 * into a folder under the repository (`.infradeck-test-*`, git-ignored) where node finds node_modules.
 */
export async function buildWorkerEntry(
  entry = 'tests/worker/fixtures/workerMain.ts',
): Promise<{ file: string; remove: () => void }> {
  const dir = join(root, `.infradeck-test-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'worker.mjs');
  await build({
    entryPoints: [join(root, entry)],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorkerProcess(entry: string, args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => out, exited };
}

/** Ends the worker processes a test started (SIGKILL to those still running), waits for each, empties the list. */
export async function killWorkerProcesses(processes: WorkerProcess[]): Promise<void> {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
}

/** Running (a zombie, dead but not yet reaped by its parent or init, counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * `infradeck worker` arguments for a test on `dataDir`: two jobs at once, and a dead worker's jobs taken over in
 * about a second (short lock, frequent stalled checks and heartbeats).
 */
export function quickWorkerArgs(dataDir: string): string[] {
  return [
    'worker',
    '--data',
    dataDir,
    '--concurrency',
    '2',
    '--lock-ms',
    '1000',
    '--stalled-ms',
    '300',
    '--heartbeat-ms',
    '200',
  ];
}
