import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

export const cliPath = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `infradeck` with arguments and no terminal, like a script would. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, ...opts.env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/**
 * Runs the console inside a real pseudo-terminal (util-linux `script`), as a person would,
 * and collects everything it draws.
 */
export function runInTerminal(args: string[], env: NodeJS.ProcessEnv = {}) {
  const command = `stty cols 100 rows 30; exec ${[process.execPath, cliPath, ...args].map(shellQuote).join(' ')}`;
  const child: ChildProcess = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm-256color', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so a test that fails half-way can still end the console it started.
    detached: true,
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d.toString();
  });
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return {
    child,
    output: () => output,
    type: (text: string) => child.stdin?.write(text),
    exited,
    async waitFor(text: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${text}; output:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const running = new Set<ChildProcess>();

/** Ends every console still running in a terminal (call it after each test). */
export function stopTerminals(): void {
  for (const child of running) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
