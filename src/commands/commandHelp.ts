import { globalFlags } from '../cliArgs';
import { type CommandDeclaration, usageWords } from './declaration';
import type { FlagSpecs } from './flagSpec';

/** Help reads at 80 columns: a jump host's tmux pane. */
const width = 80;

/** Words joined into lines of at most `width` columns, the first after `first`, the others after `next`. */
function wrap(words: string[], first: string, next: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = next;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** Two columns: a name, and its text wrapped beside it. */
function table(rows: Array<[string, string]>): string[] {
  const column = Math.max(...rows.map(([name]) => name.length)) + 4;
  return rows.flatMap(([name, text]) => {
    const lead = `  ${name}`.padEnd(column);
    return lead.length > column
      ? [lead, ...wrap(words(text), ' '.repeat(column), ' '.repeat(column))]
      : wrap(words(text), lead, ' '.repeat(column));
  });
}

function flagRows(flags: FlagSpecs): Array<[string, string]> {
  return Object.entries(flags).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`,
    f.help,
  ]);
}

/** `infradeck NAME --help`: its usage, what it does, its arguments, flags and exit codes. */
export function commandHelp(declaration: CommandDeclaration): string {
  const lines = [
    ...wrap(usageWords(declaration), 'usage: ', '         '),
    '',
    ...wrap(words(declaration.summary), '', ''),
  ];
  if (declaration.description) lines.push('', ...wrap(words(declaration.description), '', ''));
  if (declaration.args.length > 0) {
    lines.push('', 'Arguments:', ...table(declaration.args.map((a) => [a.name, a.help])));
  }
  if (Object.keys(declaration.flags).length > 0) {
    lines.push('', 'Flags:', ...table(flagRows(declaration.flags)));
  }
  const globals = Object.entries(globalFlags)
    .filter(([name]) => !(name in declaration.flags))
    .map(
      ([name, f]) => `--${name}${'value' in f ? ` ${f.value}` : ''}${'short' in f ? ` (-${f.short})` : ''}`,
    );
  lines.push(
    '',
    ...wrap(
      words(`Global flags, before or after the command: ${globals.join(', ')} (see infradeck --help).`),
      '',
      '',
    ),
    '',
    'Exit codes:',
    ...table(Object.entries(declaration.exits)),
  );
  return `${lines.join('\n')}\n`;
}

/** `infradeck --help`: how to start the console, every command with its usage and summary, the global flags. */
export function globalHelp(commands: readonly CommandDeclaration[]): string {
  const lines = [
    'infradeck — a keyboard-driven console for running infrastructure',
    '',
    'Usage:',
    ...table([
      ['infradeck [flags]', 'open the console (needs an interactive terminal)'],
      ['infradeck COMMAND … [flags]', 'a command without the console (scripts, cron)'],
      ['infradeck COMMAND --help', "that command's arguments, flags and exit codes"],
    ]),
    '',
    'Commands:',
    ...commands.flatMap((c) => [
      ...wrap(usageWords(c), '  ', '      '),
      ...wrap(words(c.summary), '        ', '        '),
    ]),
    '',
    'Flags, before or after the command:',
    ...table(flagRows(globalFlags)),
    '',
    ...wrap(
      words(
        'Environment: REDIS_URL (redis:// or rediss://, user:password@ for ACLs) puts the jobs on Redis; ' +
          'without it the console and commands run jobs in-process. INFRADECK_REDIS_PREFIX (default infradeck). ' +
          "AWS: the SDK's default credentials chain (env, ~/.aws files, SSO, roles, instance roles); " +
          'AWS_ENDPOINT_URL for an AWS-compatible endpoint. With no credentials at all the DEMO cloud is used, ' +
          'and said so.',
      ),
      '',
      '',
    ),
    '',
    ...wrap(
      words(
        'Exit codes: 0 ok, 1 the command ran but something failed, 2 bad usage or input, 3 Redis unreachable, ' +
          '4 the job was cancelled.',
      ),
      '',
      '',
    ),
  ];
  return `${lines.join('\n')}\n`;
}
