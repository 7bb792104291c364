import chalk from 'chalk';
import { createDeck } from './app/createDeck';
import { runConsole } from './app/runConsole';
import type { CliArgs } from './cliArgs';
import { consoleCloud } from './consoleCloud';
import { consoleServers } from './consoleServers';
import { deckProjectsFor, openWorkers, openWorkspace } from './openWorkspace';
import { screens } from './screens';
import { cloudCommands } from './screens/resources/cloudCommands';
import { appendErrorLog, defaultLogFile } from './services/log/errorLog';
import type { DeckStore } from './state/store';
import { readOnlyFromEnv } from './worker/jobHandlers';

/** Opens the workspace and runs the full-screen console. */
export async function startConsole(opts: {
  args: CliArgs;
  env: NodeJS.ProcessEnv;
  noColor: boolean;
}): Promise<number> {
  const { args, env } = opts;
  // A terminal chalk gives no colours (FORCE_COLOR=0, TERM=dumb or one it does not know) got no SGR at all: no
  // inverse, no bold, so the active tab and the cursor row went unmarked. It gets those marks without colour, as
  // NO_COLOR does (chalk, Ink's too, is one module here, read when each text is drawn).
  const monochrome = chalk.level === 0;
  if (monochrome) chalk.level = 1;
  const readOnly = args.readonly || readOnlyFromEnv(env);
  const workspace = await openWorkspace({ dataDir: args.data, configPath: args.config, env });
  const cloud = consoleCloud(workspace.dataDir, env);
  const { bus, deckBus, schedules } = await openWorkers(workspace, env, {
    cloud: cloud.provider,
    readOnly,
  });
  const deck = createDeck({
    services: {
      ...workspace.services,
      projects: deckProjectsFor(workspace.dataDir, env, cloud.provider),
      bus: deckBus,
      cloud: cloud.deckCloud,
      servers: consoleServers(workspace.dataDir, env),
    },
    cloudSelection: { demo: args.demo, profile: args.profile, region: args.region },
    config: workspace.config,
    screens,
    dataDir: workspace.dataDir,
    configPath: workspace.configPath,
    readOnly,
    noColor: opts.noColor || monochrome,
    startupErrors: workspace.configErrors,
    configErrorAt: workspace.configErrorAt,
  });
  // Connected before the first frame, so what the workers already know is in it (the console's own connect,
  // when it mounts, shares these connections).
  const { bus: busActions, cloud: cloudActions } = deck.store.getState().actions;
  const disconnectBus = busActions.connect();
  void cloudActions.connect();
  await cloudAnswered(deck.store, firstFrameWaitMs);
  const logFile = defaultLogFile(env);
  const code = await runConsole({
    deck,
    screens,
    commands: cloudCommands(cloud.deckCloud),
    stdout: process.stdout,
    stdin: process.stdin,
    stderr: process.stderr,
    guardProcess: true,
    logFile,
    logError: (what, error) => appendErrorLog(logFile, what, error),
  });
  disconnectBus();
  await schedules.stop();
  await bus.close();
  return code;
}

/** How long the first frame waits for the cloud to answer: anything later is drawn as it comes. */
const firstFrameWaitMs = 15;

/**
 * Resolves once the store knows who we are in the cloud (or why not), or after `ms`; then one more timer turn,
 * in which the bus's first batch of events lands. Reading the cached scans comes after the first frame.
 */
function cloudAnswered(store: DeckStore, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      setTimeout(resolve, 0);
    };
    const timer = setTimeout(done, ms);
    const off = store.subscribe((s) => {
      if (!s.cloud.opening) done();
    });
    if (!store.getState().cloud.opening) done();
  });
}
