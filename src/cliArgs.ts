import { parseArgs } from 'node:util';
import type { CommandDeclaration } from './commands/declaration';
import { type FlagSpecs, parseErrorText, valuedFlags } from './commands/flagSpec';
import { runFlags } from './commands/runFlags';
import { sourceErrorsJson } from './commands/sourceErrorsJson';

/** Flags every invocation understands, before or after the subcommand. */
export const globalFlags = {
  data: {
    type: 'string',
    value: 'DIR',
    help: 'workspace folder (default $INFRADECK_DATA or $XDG_DATA_HOME/infradeck)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'config file (default $XDG_CONFIG_HOME/infradeck/config.yaml)',
  },
  readonly: {
    type: 'boolean',
    help: 'refuse every change (also shown in the status bar; INFRADECK_READONLY=1 too)',
  },
  demo: { type: 'boolean', help: 'use the labelled DEMO cloud, whatever AWS credentials exist' },
  profile: {
    type: 'string',
    value: 'NAME',
    help: 'AWS profile (default $AWS_PROFILE; SSO and role profiles work)',
  },
  region: {
    type: 'string',
    value: 'NAME',
    help: "default AWS region (default $AWS_REGION, the profile's, us-east-1)",
  },
  'no-color': { type: 'boolean', help: 'no colours (also NO_COLOR=1)' },
  json: { type: 'boolean', help: 'machine-readable output for headless commands' },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
  help: { type: 'boolean', short: 'h', help: "this help; after a command, that command's help" },
} as const satisfies FlagSpecs;

export interface CliArgs {
  command?: string;
  /** Everything after the subcommand that is not a global flag (its own flags and positionals). */
  rest: string[];
  data?: string;
  config?: string;
  readonly: boolean;
  /** `--demo`: the demo cloud whatever credentials exist. */
  demo: boolean;
  /** `--profile NAME`, `--region NAME`: the AWS profile and default region (else AWS_PROFILE, AWS_REGION…). */
  profile?: string;
  region?: string;
  noColor: boolean;
  json: boolean;
  version: boolean;
  help: boolean;
}

/** What the split needs to know of a command: its flags, and whether it passes its arguments on. */
type CommandShape = Pick<CommandDeclaration, 'flags' | 'passThrough'>;

const globalValued = valuedFlags(globalFlags);

/** What the split knows without loading the commands: `run` passes everything after its flags on. */
const passThroughCommands: Readonly<Record<string, CommandShape>> = {
  run: { flags: runFlags, passThrough: true },
};

export function passThroughShape(command: string): CommandShape | undefined {
  return Object.hasOwn(passThroughCommands, command) ? passThroughCommands[command] : undefined;
}

const globalNames = new Set(
  Object.entries(globalFlags).flatMap(([k, o]) => [`--${k}`, ...('short' in o ? [`-${o.short}`] : [])]),
);

function parseGlobals(args: string[]) {
  return parseArgs({ args, options: globalFlags, strict: true, allowPositionals: false });
}

/** `--data needs a value (DIR)`. */
function needsValue(name: string): string {
  const spec = globalFlags[name.slice(2) as keyof typeof globalFlags];
  return `${name} needs a value${'value' in spec ? ` (${spec.value})` : ''}`;
}

/**
 * Splits argv into global flags, the subcommand and the subcommand's own arguments.
 * Throws an Error with a readable message for a bad global flag.
 *
 * After `run PROGRAM` every argument is the program's, verbatim: `infradeck run aws s3 ls --profile prod`
 * gives `--profile prod` to aws, not to infradeck.
 */
export function parseCli(argv: string[]): CliArgs {
  const globals: string[] = [];
  const rest: string[] = [];
  let command: string | undefined;
  let shape: CommandShape | undefined;
  let ownValued = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (shape?.passThrough && !arg.startsWith('-')) {
      rest.push(...argv.slice(i));
      break;
    }
    if (ownValued.has(arg)) {
      rest.push(arg, argv[++i] ?? '');
      continue;
    }
    const name = arg.split('=')[0];
    if (globalNames.has(name)) {
      globals.push(arg);
      if (globalValued.has(name) && !arg.includes('=')) {
        // `--data` last, or before another flag: no folder given (it read '' and used the current directory).
        const value = argv[i + 1];
        if (value === undefined || (value.startsWith('-') && value !== '-'))
          throw new Error(needsValue(name));
        globals.push(value);
        i++;
      } else if (globalValued.has(name) && arg.endsWith('=')) throw new Error(needsValue(name));
    } else if (!command && !arg.startsWith('-')) {
      command = arg;
      shape = passThroughShape(arg);
      if (shape?.passThrough) ownValued = valuedFlags(shape.flags);
    } else rest.push(arg);
  }
  if (!command && rest.length > 0) throw new Error(`unknown option ${rest[0]} (see infradeck --help)`);
  let values: ReturnType<typeof parseGlobals>['values'];
  try {
    ({ values } = parseGlobals(globals));
  } catch (error) {
    // `--json=1`: one line naming the flag, as a command's own flags say it.
    throw new Error(parseErrorText('infradeck', globalFlags, error));
  }
  return {
    command,
    rest,
    data: values.data,
    config: values.config,
    readonly: values.readonly ?? false,
    demo: values.demo ?? false,
    profile: values.profile || undefined,
    region: values.region || undefined,
    noColor: values['no-color'] ?? false,
    json: values.json ?? false,
    version: values.version ?? false,
    help: values.help ?? false,
  };
}

/**
 * Whether the raw words ask for `--json`, for an error found before they could be parsed (`infradeck --data
 * --json`, `infradeck --bogus jobs --json`): a `--json` word before any `--` and, after a command that passes its
 * arguments on (`run`), before its program. `--json=…` is not one: that is the error itself.
 */
export function asksForJson(argv: readonly string[]): boolean {
  let command: string | undefined;
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--json') return true;
    if (arg.startsWith('-')) continue;
    if (command === undefined) command = arg;
    else if (passThroughShape(command)?.passThrough) return false;
  }
  return false;
}

/**
 * What `infradeck` says of arguments it cannot parse: `infradeck: MESSAGE` for stderr, and for a script that asked
 * for `--json` the one JSON document on stdout, `{"errors": [{message, text}]}`, as every command gives its errors.
 */
export function cliArgsError(argv: readonly string[], error: unknown): { stderr: string; stdout?: string } {
  const message = error instanceof Error ? error.message : String(error);
  return {
    stderr: `infradeck: ${message}\n`,
    ...(asksForJson(argv)
      ? { stdout: `${JSON.stringify({ errors: sourceErrorsJson([message]) }, null, 2)}\n` }
      : {}),
  };
}
