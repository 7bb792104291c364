import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliPath } from './cliProcess';

// A real terminal emulator is what shows where each line lands and which bytes reach the screen: tmux draws
// the console, capture-pane reads it back (-e keeps the SGR sequences).
const exampleWorkspace = join(import.meta.dirname, '..', '..', 'data');

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export interface TmuxDeck {
  tmux(...args: string[]): string;
  /** The screen as text, one string a row; `withColour` keeps the escape sequences. */
  screen(withColour?: boolean): string[];
  until(what: string, done: () => boolean, timeoutMs?: number): Promise<void>;
  keys(...keys: string[]): void;
  /** The workspace the console opened (a copy of `workspace`, when given). */
  dataDir: string;
  close(): void;
}

/**
 * The built console in its own tmux server, at `columns`x`rows`, with an empty HOME and `env` added. With
 * `shell`, the pane runs a shell that prints `BEFORE` and then starts the console, so what the shell shows after
 * quitting can be read. With `workspace`, the console opens a copy of that folder (e.g. the example `data/`);
 * `args` go on its command line after `--data`.
 */
export function startTmuxDeck(
  columns: number,
  rows: number,
  env: Record<string, string> = {},
  options: { shell?: boolean; workspace?: string; args?: readonly string[] } = {},
): TmuxDeck {
  const socket = `infradeck-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-tmux-'));
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = (withColour = false) =>
    tmux('capture-pane', '-p', ...(withColour ? ['-e'] : []), '-t', 'deck')
      .replace(/\n$/, '')
      .split('\n');
  // Never an earlier run's job records; and not the example's schedules (a tick could add a job to what a test
  // counts), while a test's own workspace keeps its schedules.yaml.
  const example = options.workspace !== undefined && resolve(options.workspace) === resolve(exampleWorkspace);
  const copied = (path: string) =>
    !/(^|\/)jobs$/.test(path) && !(example && /(^|\/)schedules\.yaml$/.test(path));
  if (options.workspace) cpSync(options.workspace, join(dir, 'data'), { recursive: true, filter: copied });
  const vars = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    ...env,
  };
  const command = ['env', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), process.execPath, cliPath]
    .concat(['--data', join(dir, 'data'), ...(options.args ?? [])])
    .map((word) => `'${word}'`)
    .join(' ');
  if (options.shell) {
    tmux('new-session', '-d', '-s', 'deck', '-x', String(columns), '-y', String(rows), 'sh');
    tmux('send-keys', '-t', 'deck', `clear; echo BEFORE; ${command}`, 'Enter');
  } else tmux('new-session', '-d', '-s', 'deck', '-x', String(columns), '-y', String(rows), command);
  return {
    tmux,
    screen,
    dataDir: join(dir, 'data'),
    async until(what, done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; the screen:\n${screen().join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    keys: (...keys) => {
      for (const key of keys) tmux('send-keys', '-t', 'deck', key);
    },
    close() {
      const pane = spawnSync('tmux', ['-L', socket, 'display-message', '-p', '-t', 'deck', '#{pane_pid}'], {
        encoding: 'utf8',
      });
      const pid = Number(pane.stdout?.trim());
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      // The console writes its log (the EIO of the closed pty) on its way out: the folder goes once it has.
      const deadline = Date.now() + 3000;
      while (pid > 0 && isRunning(pid) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
