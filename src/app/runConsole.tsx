import { render } from 'ink';
import { App, type AppProps } from './App';
import { ErrorBoundary } from './ErrorBoundary';
import { suspendTerminal } from './suspendTerminal';
import { takeTerminal } from './terminal';

export interface ConsoleStreams {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

export interface RunConsoleOptions extends AppProps, ConsoleStreams {
  /** Install process-wide signal and error handlers (the real CLI); tests leave it off. */
  guardProcess: boolean;
  /** Where a crash's stack is written. */
  logError: (what: string, error: unknown) => void;
  logFile: string;
}

/** Runs the full-screen console until the user quits; resolves with the process exit code. */
export async function runConsole(opts: RunConsoleOptions): Promise<number> {
  const { stdout, stdin, stderr } = opts;
  let exitCode = 0;
  let failure: string | undefined;
  let instance: ReturnType<typeof render> | undefined;

  const fail = (what: string, error: unknown) => {
    opts.logError(what, error);
    failure = `infradeck stopped: ${error instanceof Error ? error.message : String(error)}\n(details in ${opts.logFile})`;
    exitCode = 1;
    instance?.unmount();
  };
  const terminal = takeTerminal(stdout, {
    guardProcess: opts.guardProcess,
    tmux: Boolean(process.env.TMUX),
    onFatal: (what, error) => {
      fail(what, error);
      terminal.restore();
      stderr.write(`${failure}\n`);
      process.exit(1);
    },
    onSignal: (signal) => {
      exitCode = signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
      instance?.unmount();
    },
  });

  const restoreConsole = opts.guardProcess ? divertConsole(opts.logError) : () => {};
  opts.deck.runInTerminal ??= suspendTerminal({ stdout, stdin, store: opts.deck.store });
  try {
    instance = render(
      <ErrorBoundary onError={(error) => fail('render error', error)}>
        <App deck={opts.deck} screens={opts.screens} commands={opts.commands} />
      </ErrorBoundary>,
      {
        stdout,
        stdin,
        stderr,
        exitOnCtrlC: false,
        // Anything a library prints would push the full-screen frame up; it goes to the log file instead.
        patchConsole: false,
        // Only the lines that changed are written. The frame is exactly as tall as the terminal; the bundle
        // carries a one-character fix to Ink 6.8 (scripts/inkPatch.mjs) without which such a frame would be
        // cleared and repainted whole every time.
        incrementalRendering: true,
        maxFps: 30,
      },
    );
    // A screen that throws during the very first render fails before `instance` exists.
    if (failure) instance.unmount();
    await instance.waitUntilExit();
  } catch (error) {
    fail('console error', error);
  } finally {
    terminal.restore();
    terminal.dispose();
    restoreConsole();
  }
  if (failure) stderr.write(`${failure}\n`);
  return exitCode;
}

/** Sends console output (libraries' warnings) to the log file while the console owns the screen. */
function divertConsole(logError: (what: string, error: unknown) => void): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  for (const level of Object.keys(saved) as (keyof typeof saved)[]) {
    console[level] = (...args: unknown[]) => logError(`console.${level}`, args.map(String).join(' '));
  }
  return () => Object.assign(console, saved);
}
