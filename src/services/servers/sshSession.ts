import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripControl } from '../../domain/text';

export interface SshSessionResult {
  code: number;
  /** ssh opens its `-E` file as it starts: without one it never ran (the terminal runner said why). */
  started: boolean;
  /** The last lines of ssh's own diagnostics (`-E`), oldest first; empty when it wrote none. */
  lines: string[];
}

/** Lines ssh writes on every run that say nothing about why it failed. */
const noise = [/^Pseudo-terminal will not be allocated/, /^Warning: Permanently added /, /^@+$/];

/** The last `count` meaningful lines of an ssh log, control characters removed (the text names remote hosts). */
export function lastSshLines(log: string, count = 3): string[] {
  return log
    .split(/\r?\n/)
    .map((line) => stripControl(line).trim())
    .filter((line) => line && !noise.some((n) => n.test(line)))
    .slice(-count);
}

/**
 * Runs an ssh command through `run` (which hands it the terminal) with `-E FILE`: ssh appends its own
 * diagnostics there instead of to stderr, so the remote session still owns the terminal while ssh's reason for
 * failing (`Connection refused`, `Permission denied (publickey)`) is read back afterwards rather than left on the
 * shell behind the console. The file lives in a private temporary folder, removed afterwards.
 */
export async function runSshSession(
  argv: readonly string[],
  run: (program: string, args: string[]) => Promise<number>,
): Promise<SshSessionResult> {
  const [program, ...args] = argv;
  if (!program) throw new Error('no ssh command');
  const dir = await mkdtemp(join(tmpdir(), 'infradeck-ssh-'));
  const log = join(dir, 'ssh.log');
  try {
    // `-E` goes first: `argv` ends its options with `--`, after which ssh reads only the host.
    const code = await run(program, ['-E', log, ...args]);
    const text = await readFile(log, 'utf8').catch(() => undefined);
    return { code, started: text !== undefined, lines: lastSshLines(text ?? '') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
