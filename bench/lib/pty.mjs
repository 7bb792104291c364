import { spawn } from 'node:child_process';

/**
 * Runs a shell command inside a real pseudo-terminal of the given size (util-linux `script`, as
 * tests/harness/cliProcess.ts does), collecting its output as it arrives. `startedAt` is taken just before
 * the spawn, on the `performance.now()` clock, so callers can time anything from process start.
 */
export function runInPty(command, { env, columns = 120, rows = 35 }) {
  let output = '';
  const listeners = new Set();
  const startedAt = performance.now();
  const child = spawn('script', ['-qfec', `stty cols ${columns} rows ${rows}; ${command}`, '/dev/null'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    const at = performance.now();
    const text = chunk.toString();
    output += text;
    for (const listener of listeners) listener(output, at, text);
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk.toString();
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return {
    startedAt,
    child,
    exited,
    output: () => output,
    stderr: () => stderr,
    write: (text) => child.stdin.write(text),
    /** Calls `listener(output, at, chunk)` for every chunk the terminal receives from now on. */
    onChunk(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Resolves with the time of the chunk after which `done(output)` first holds. */
    waitFor(done, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        if (done(output)) {
          resolve(performance.now());
          return;
        }
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms; the terminal showed:\n${output.slice(-1500)}`));
        }, timeoutMs);
        const check = (text, at) => {
          if (!done(text)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(at);
        };
        listeners.add(check);
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

export function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}
