import { parseArgs } from 'node:util';

/** Flags every invocation understands, before or after the subcommand. */
export const globalOptions = {
  data: { type: 'string' },
  config: { type: 'string' },
  readonly: { type: 'boolean' },
  demo: { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
  'no-color': { type: 'boolean' },
  json: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

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

const valued = new Set(
  Object.entries(globalOptions)
    .filter(([, o]) => o.type === 'string')
    .map(([k]) => `--${k}`),
);

/** `run`'s own flags that take a value: the value is not yet the program. */
const runValued = new Set(['--timeout', '--attempts', '--key', '--cwd']);

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
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (command === 'run' && !arg.startsWith('-')) {
      rest.push(...argv.slice(i));
      break;
    }
    if (command === 'run' && runValued.has(arg)) {
      rest.push(arg, argv[++i] ?? '');
      continue;
    }
    const name = arg.split('=')[0];
    const isGlobal = name in flagNames;
    if (isGlobal) {
      globals.push(arg);
      if (valued.has(name) && !arg.includes('=')) globals.push(argv[++i] ?? '');
    } else if (!command && !arg.startsWith('-')) command = arg;
    else rest.push(arg);
  }
  if (!command && rest.length > 0) throw new Error(`unknown option ${rest[0]} (see infradeck --help)`);
  const { values } = parseArgs({
    args: globals,
    options: globalOptions,
    strict: true,
    allowPositionals: false,
  });
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

const flagNames: Record<string, true> = Object.fromEntries(
  Object.entries(globalOptions).flatMap(([k, o]) => [
    [`--${k}`, true],
    ...('short' in o ? [[`-${o.short}`, true]] : []),
  ]),
);

export const usage = `infradeck — a keyboard-driven console for running infrastructure

Usage:
  infradeck [flags]                 open the console (needs an interactive terminal)
  infradeck repos [--json]          repositories: branch, changes, upstream, last commit
  infradeck run [--wait] [--shell] [--timeout S] [--] PROGRAM [ARGS…]
                                    queue a command job (no shell unless --shell)
  infradeck jobs [--status S] [--json] [JOB_ID]   jobs, newest first, or one job with its output
  infradeck workers [--json]        workers online (host, pid, jobs done, current job)
  infradeck events [--follow] [--last N] [--since ID] [--json]   the event stream
  infradeck audit [--json]          who asked for what, when, from where, and the outcome
  infradeck worker [--concurrency N]   run jobs for the console(s) on this host (needs REDIS_URL)
  infradeck scan [--regions a,b] [--json]   scan the account's regions and buckets, region by region
  infradeck resources [--type T] [--project P] [--regions R,R] [--json]   resources from the last scan
  infradeck power PROJECT on|off    start or stop every instance of a project
  infradeck delete ID… [--yes] [--empty-buckets]   delete resources in dependency order
                                    (without --yes: only shows what would go, in order)
  infradeck servers [--no-probe] [--json]   servers.yaml hosts and EC2 instances, with reachability
  infradeck projects [--json]       blueprints with state, status and sync (looked up in the cloud)
  infradeck plan PROJECT [--json]   what a deploy would create, change and delete; changes nothing
  infradeck deploy PROJECT [--yes] [--confirm PROJECT] [--json]
                                    deploy a blueprint (without --yes: only prints the plan)
  infradeck destroy PROJECT [--yes] [--confirm PROJECT] [--empty-buckets] [--json]
                                    delete everything of a project (protected: --confirm its name)
  infradeck resume JOB [--json]     continue a deploy that stopped, creating nothing twice

Flags:
  --data DIR      workspace folder (default $INFRADECK_DATA or $XDG_DATA_HOME/infradeck)
  --config FILE   config file (default $XDG_CONFIG_HOME/infradeck/config.yaml)
  --readonly      refuse every change (also shown in the status bar; INFRADECK_READONLY=1 too)
  --demo          use the labelled DEMO cloud, whatever AWS credentials exist
  --profile NAME  AWS profile (default $AWS_PROFILE; SSO and role profiles work)
  --region NAME   default AWS region (default $AWS_REGION, the profile's, us-east-1)
  --no-color      no colours (also NO_COLOR=1)
  --json          machine-readable output for headless commands
  -v, --version   print the version
  -h, --help      this help

Environment: REDIS_URL (redis:// or rediss://, user:password@ for ACLs) puts the jobs on Redis;
without it the console and commands run jobs in-process. INFRADECK_REDIS_PREFIX (default infradeck).
AWS: the SDK's default credentials chain (env, ~/.aws files, SSO, roles, instance roles); AWS_ENDPOINT_URL
for an AWS-compatible endpoint. With no credentials at all the DEMO cloud is used, and said so.

Exit codes: 0 ok, 1 the command ran but something failed, 2 bad usage or input,
3 Redis unreachable, 4 the job was cancelled.
`;
