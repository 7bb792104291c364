import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { Capture } from './capture';

/**
 * A command's environment in a test: HOME and the XDG folders under `dir`, user ada, this PATH, and nothing else
 * (no REDIS_URL, no developer config or ssh config: the in-process transport), plus `more`.
 */
export function commandEnv(dir: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    USER: 'ada',
    PATH: process.env.PATH,
    ...more,
  };
}

/** `infradeck --data DATADIR ARGV…` in this process: its exit code and what it wrote to stdout and stderr. */
export async function runCommand(dataDir: string, env: NodeJS.ProcessEnv, argv: readonly string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runHeadless(parseCli(['--data', dataDir, ...argv]), env, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const exampleWorkspace = join(import.meta.dirname, '..', '..', 'data');

/**
 * The example workspace as the repository has it, copied to `to`: not what a console run here left in it (its
 * `.gitignore`d scan cache, audit, jobs and state, which change what commands answer).
 */
export function copyExampleWorkspace(to: string): void {
  const ignored = new Set(['.cache', 'audit', 'jobs', 'state']);
  cpSync(exampleWorkspace, to, {
    recursive: true,
    filter: (from) => !ignored.has(from.slice(exampleWorkspace.length + 1).split(/[\\/]/)[0]),
  });
}
