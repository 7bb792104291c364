import { statSync } from 'node:fs';
import type { CliArgs } from './cliArgs';
import { writeErrorsJson } from './commands/commandError';
import { commandHelp, globalHelp } from './commands/commandHelp';
import { commandList, findCommand } from './commands/commandList';
import { openWorkspace } from './openWorkspace';

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `infradeck --help`: generated from the command declarations. */
export function globalUsage(): string {
  return globalHelp(commandList);
}

/** `infradeck COMMAND …` once the global flags are parsed: the command's help, or the command run. */
export async function runHeadless(
  args: CliArgs,
  env: NodeJS.ProcessEnv,
  streams: Streams = process,
): Promise<number> {
  const declaration = args.command ? findCommand(args.command) : undefined;
  if (!declaration) {
    const message = `unknown command "${args.command}" (commands: ${commandList.map((c) => c.name).join(', ')}; see --help)`;
    streams.stderr.write(`infradeck: ${message}\n`);
    writeErrorsJson({ ...streams, json: args.json }, [message]);
    return 2;
  }
  if (args.help) {
    streams.stdout.write(commandHelp(declaration));
    return 0;
  }
  const workspace = await openWorkspace({ dataDir: args.data, configPath: args.config, env });
  for (const e of workspace.configErrors) streams.stderr.write(`${e}\n`);
  // A mistyped --data read as an empty workspace: `projects` listed nothing, exit 0. Said, as --config's is.
  if (args.data !== undefined) {
    const problem = folderProblem(workspace.dataDir);
    if (problem)
      streams.stderr.write(`${workspace.dataDir}: ${problem} (given with --data): an empty workspace\n`);
  }
  // A command with something to cancel (a job, a follow, a worker) ends on SIGINT/SIGTERM through its signal.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const catchesSignals = declaration.catchesSignals !== false;
  if (catchesSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return declaration
    .run(args.rest, {
      workspace,
      stdout: streams.stdout,
      stderr: streams.stderr,
      json: args.json,
      readOnly: args.readonly,
      env,
      cloud: {
        env,
        ...(args.demo ? { demo: true } : {}),
        ...(args.profile ? { profile: args.profile } : {}),
        ...(args.region ? { region: args.region } : {}),
      },
      signal: stop.signal,
    })
    .finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}

/** Why `dir` is no workspace folder (`no such folder`, `not a folder`); undefined when it is one. */
function folderProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : 'not a folder';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message;
  }
}
