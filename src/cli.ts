#!/usr/bin/env node
import { version } from '../package.json';
import { cliArgsError, parseCli } from './cliArgs';

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCli>;
  try {
    args = parseCli(argv);
  } catch (error) {
    const said = cliArgsError(argv, error);
    process.stderr.write(said.stderr);
    if (said.stdout) process.stdout.write(said.stdout);
    return 2;
  }
  if (args.version) {
    process.stdout.write(`infradeck ${version}\n`);
    return 0;
  }
  const env = process.env;
  const noColor = args.noColor || Boolean(env.NO_COLOR);

  // The commands' declarations (and so their help) load only here: the console's start never needs them.
  if (args.command) {
    const { runHeadless } = await import('./headless');
    return runHeadless(args, env);
  }
  if (args.help) {
    const { globalUsage } = await import('./headless');
    process.stdout.write(globalUsage());
    return 0;
  }

  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(
      'infradeck: the console needs an interactive terminal (stdin and stdout must be a TTY).\n' +
        'For scripts use a headless command, e.g. `infradeck repos --json` (see infradeck --help).\n',
    );
    return 2;
  }
  // Ink draws nothing but a final frame when it believes it runs in CI (CI or CONTINUOUS_INTEGRATION set), which
  // it decides once, when it loads. A person at a terminal gets the live console whatever their environment says.
  // The variables are removed, not set to 0: chalk's colour detection (also decided at load) takes any CI
  // variable, even CI=0, for a CI machine and turns colour off.
  const ci = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  // Our `--no-color` is read by chalk too (it looks for that flag in argv), which then sends no SGR at all: the
  // active tab's and the cursor's inverse went with the colour. Hidden from it while it loads, as CI is; the theme
  // leaves the colour out, as with NO_COLOR.
  const processArgv = process.argv;
  process.argv = processArgv.filter((a) => a !== '--no-color');
  // Ink's layout engine (yoga, WebAssembly) loads its binary with `fetch` when there is one, which makes Node load
  // its whole HTTP client first: ~30 ms of a ~250 ms start. Without `fetch` it decodes the same bytes directly.
  // The property is put back untouched (Node defines it lazily; reading it would load that client).
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProperty?.configurable) {
    Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  }
  const { startConsole } = await import('./startConsole').finally(() => {
    if (fetchProperty?.configurable) Object.defineProperty(globalThis, 'fetch', fetchProperty);
    process.argv = processArgv;
  });
  for (const [key, value] of Object.entries(ci)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return startConsole({ args, env, noColor });
}

/**
 * The command has said how it ended: what it leaves behind (a library's reconnect or retry timer while Redis is
 * away, taskforcesh/bullmq#4656) may not keep the process more than a second.
 */
function endWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1_000).unref();
}

main(process.argv.slice(2)).then(endWith, (error) => {
  process.stderr.write(`infradeck: ${error instanceof Error ? error.message : String(error)}\n`);
  endWith(1);
});
