import { didYouMean } from '../domain/didYouMean';
import { splitWords } from '../domain/text';
import type { DeckState } from '../state/store';
import type { CommandContext, PaletteCommand } from '../ui/paletteCommand';
import type { Screen } from '../ui/screen';

export function builtinCommands(screens: readonly Screen[]): PaletteCommand[] {
  // `:jobs` shows the jobs as the command names them: a `/` filter kept from before does not stay on (the
  // screen's own `open` resets the rest, such as the status filter); a tab switched to with its number keeps it.
  const goTo: PaletteCommand[] = screens.map((s) => ({
    name: s.id,
    aliases: s.aliases,
    description: `Show ${s.title}`,
    args: s.args,
    complete: s.complete,
    run: (args, ctx) => {
      ctx.actions.ui.showTab(s.id);
      ctx.actions.ui.setFilter(s.id, '');
      if (s.open) return s.open(args, ctx.actions);
      return ignored(s.id, args);
    },
  }));
  return [
    ...goTo,
    {
      name: 'help',
      aliases: ['h'],
      description: 'Keys of the current screen and every : command',
      run: (args, ctx) => {
        ctx.actions.ui.openOverlay('help');
        return ignored('help', args);
      },
    },
    {
      name: 'messages',
      aliases: ['mes', 'errors'],
      description: 'Every warning and error of this session, with positions',
      run: (args, ctx) => {
        ctx.actions.ui.openOverlay('messages');
        return ignored('messages', args);
      },
    },
    {
      name: 'ask',
      aliases: ['assistant'],
      args: '[question…]',
      description: 'Ask the assistant; shows what goes with the question first (alone: the last answer)',
      run: (args, ctx) => {
        const question = args.join(' ').trim();
        if (question) ctx.actions.assistant.ask(question);
        else if (!ctx.actions.assistant.reopen())
          return ':ask needs a question, e.g. :ask why does the nightly scan fail';
        return undefined;
      },
    },
    {
      name: 'advise',
      aliases: ['advice'],
      description: 'Built-in advice on what the console sees: open ports, public buckets, failing jobs',
      run: (args, ctx) => {
        void ctx.actions.assistant.advise();
        return ignored('advise', args);
      },
    },
    {
      name: 'quit',
      aliases: ['q', 'q!', 'exit'],
      description: 'Quit infradeck',
      run: (_args, ctx) => {
        ctx.actions.ui.quit();
        return undefined;
      },
    },
  ];
}

/** A command that takes no arguments says so rather than drop them silently (`:help jobs` is not the Jobs' help). */
function ignored(name: string, args: readonly string[]): string | undefined {
  return args.length ? `:${name} takes no arguments ("${args.join(' ')}" ignored)` : undefined;
}

export function findCommand(commands: readonly PaletteCommand[], word: string): PaletteCommand | undefined {
  return commands.find((c) => c.name === word || c.aliases.includes(word));
}

export interface Completion {
  /** The line after completing as far as is unambiguous. */
  line: string;
  /** Everything that still matches, for the suggestion list. */
  candidates: string[];
}

/** Tab completion of the command name, or of the last argument when the command can complete it. */
export function completeLine(
  commands: readonly PaletteCommand[],
  line: string,
  state: DeckState,
): Completion {
  const words = splitWords(line);
  const completingName = words.length === 0 || (words.length === 1 && !line.endsWith(' '));
  if (completingName) {
    const prefix = words[0] ?? '';
    const matching = commands.filter((c) => [c.name, ...c.aliases].some((n) => n.startsWith(prefix)));
    // `re` matches both `repos` and its alias `repo`: one command, so complete to its name.
    if (matching.length === 1) return { line: `${matching[0].name} `, candidates: [matching[0].name] };
    const names = [
      ...new Set(matching.flatMap((c) => [c.name, ...c.aliases]).filter((n) => n.startsWith(prefix))),
    ];
    names.sort();
    return { line: commonPrefix(names) || prefix, candidates: names };
  }
  const command = findCommand(commands, words[0]);
  if (!command?.complete) return { line, candidates: [] };
  const argPrefix = line.endsWith(' ') ? '' : words[words.length - 1];
  const candidates = command
    .complete(argPrefix, state, typedBefore(words, argPrefix))
    .filter((c) => c.startsWith(argPrefix));
  const head = line.slice(0, line.length - argPrefix.length);
  if (candidates.length === 1) return { line: `${head}${candidates[0]} `, candidates };
  return { line: head + (commonPrefix(candidates) || argPrefix), candidates };
}

/** The arguments typed before the one being completed (`:resources ec2 we` → `['ec2']`). */
function typedBefore(words: readonly string[], argPrefix: string): string[] {
  return words.slice(1, argPrefix ? -1 : undefined);
}

function commonPrefix(values: string[]): string {
  if (values.length === 0) return '';
  let prefix = values[0];
  for (const v of values) while (!v.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Runs a palette line; returns an error message for the message line, or nothing. */
export function runLine(
  commands: readonly PaletteCommand[],
  line: string,
  ctx: CommandContext,
): string | undefined {
  const words = splitWords(line.trim());
  if (words.length === 0) return undefined;
  const command = findCommand(commands, words[0]);
  if (!command) {
    const near = didYouMean(
      words[0],
      commands.flatMap((c) => [c.name, ...c.aliases]),
      2,
    );
    return `unknown command ":${words[0]}" (${near ? `did you mean :${near}? ` : ''}: and ↓ list them, :help too)`;
  }
  return command.run(words.slice(1), ctx);
}

/** One row of the palette's list. */
export interface Suggestion {
  label: string;
  /** The line Tab puts in place and Enter runs; none for a row that only explains (a command's synopsis). */
  line?: string;
}

/** `name <args> (aliases) — description`, as the palette and `:help` write a command. */
export function commandSynopsis(c: PaletteCommand): string {
  const aliases = c.aliases.length ? ` (${c.aliases.join(', ')})` : '';
  return `${c.name}${c.args ? ` ${c.args}` : ''}${aliases} — ${c.description}`;
}

/**
 * What the palette lists under the line as it is typed: the commands whose name or alias starts with the
 * first word; once a command is named, its synopsis and the arguments it can complete.
 */
export function paletteSuggestions(
  commands: readonly PaletteCommand[],
  line: string,
  state: DeckState,
): Suggestion[] {
  const words = splitWords(line);
  const typingName = words.length === 0 || (words.length === 1 && !/\s$/.test(line));
  if (typingName) {
    const prefix = words[0] ?? '';
    return commands
      .filter((c) => [c.name, ...c.aliases].some((n) => n.startsWith(prefix)))
      .map((c) => ({ label: commandSynopsis(c), line: `${c.name} ` }));
  }
  const command = findCommand(commands, words[0]);
  if (!command) return [{ label: `:${words[0]} is not a command` }];
  const synopsis: Suggestion = { label: commandSynopsis(command) };
  if (!command.complete) return [synopsis];
  const argPrefix = /\s$/.test(line) ? '' : words[words.length - 1];
  const head = line.slice(0, line.length - argPrefix.length);
  const candidates = command
    .complete(argPrefix, state, typedBefore(words, argPrefix))
    .filter((c) => c.startsWith(argPrefix));
  return [synopsis, ...candidates.map((c) => ({ label: `  ${c}`, line: `${head}${c} ` }))];
}

/** The `:help` section listing the commands, one line each. */
export function commandHelpLines(commands: readonly PaletteCommand[]): string[] {
  return commands.map((c) => ` :${commandSynopsis(c)}`);
}
