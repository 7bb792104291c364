import type { CliArgs } from './cliArgs';
import type { CommandIO } from './commands/commandIO';
import { openWorkspace } from './openWorkspace';
import type { WorkerFlags } from './worker/jobHandlers';

/** The shared flags, plus `--demo`/`--profile`/`--region` for the commands that reach the cloud. */
type HeadlessIO = CommandIO & WorkerFlags;
type HeadlessCommand = (io: HeadlessIO, rest: string[]) => Promise<number>;

/** Subcommands by name; each module is loaded only when its command runs. */
const commands: Record<string, () => Promise<HeadlessCommand>> = {
  repos: async () => (await import('./commands/repos')).reposCommand,
  run: async () => bus((await import('./commands/run')).runCommand),
  jobs: async () => bus((await import('./commands/jobs')).jobsCommand),
  workers: async () => bus((await import('./commands/workers')).workersCommand),
  events: async () => bus((await import('./commands/events')).eventsCommand),
  audit: async () => bus((await import('./commands/audit')).auditCommand),
  worker: async () => bus((await import('./commands/worker')).workerCommand),
  scan: async () => bus((await import('./commands/scan')).scanCommand),
  resources: async () => bus((await import('./commands/resources')).resourcesCommand),
  power: async () => bus((await import('./commands/power')).powerCommand),
  delete: async () => bus((await import('./commands/delete')).deleteCommand),
  servers: async () => bus((await import('./commands/servers')).serversCommand),
  projects: async () => bus((await import('./commands/projects')).projectsCommand),
  plan: async () => bus((await import('./commands/plan')).planCommand),
  deploy: async () => bus((await import('./commands/deploy')).deployCommand),
  destroy: async () => bus((await import('./commands/destroy')).destroyCommand),
  resume: async () => bus((await import('./commands/resume')).resumeCommand),
};

/** The worker-layer commands parse their own arguments and end on SIGINT/SIGTERM. */
function bus(
  command: (argv: string[], io: HeadlessIO & { signal: AbortSignal }) => Promise<number>,
): HeadlessCommand {
  return (io, rest) => {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return command(rest, { ...io, signal: stop.signal }).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  };
}

export async function runHeadless(args: CliArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const load = args.command ? commands[args.command] : undefined;
  if (!load) {
    process.stderr.write(
      `infradeck: unknown command "${args.command}" (commands: ${Object.keys(commands).join(', ')}; see --help)\n`,
    );
    return 2;
  }
  const workspace = await openWorkspace({ dataDir: args.data, configPath: args.config, env });
  for (const e of workspace.configErrors) process.stderr.write(`${e}\n`);
  const run = await load();
  return run(
    {
      workspace,
      stdout: process.stdout,
      stderr: process.stderr,
      json: args.json,
      readOnly: args.readonly,
      env,
      cloud: {
        env,
        ...(args.demo ? { demo: true } : {}),
        ...(args.profile ? { profile: args.profile } : {}),
        ...(args.region ? { region: args.region } : {}),
      },
    },
    args.rest,
  );
}
