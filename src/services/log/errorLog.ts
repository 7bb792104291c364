import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where stacks go: never on the screen, always somewhere a developer can find them. */
export function defaultLogFile(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(stateHome, 'infradeck', 'infradeck.log');
}

export function appendErrorLog(file: string, what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${new Date().toISOString()} ${what}\n${detail}\n\n`);
  } catch {
    // The log is a convenience; failing to write it must not hide the original error.
  }
}
