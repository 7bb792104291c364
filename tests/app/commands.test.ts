import { describe, expect, it } from 'vitest';
import {
  builtinCommands,
  commandHelpLines,
  completeLine,
  paletteSuggestions,
  runLine,
} from '../../src/app/commands';
import { splitWords } from '../../src/domain/text';
import { screens } from '../../src/screens';
import { unknownProfile, unknownRegion } from '../../src/screens/resources/cloudCommands';
import type { DeckState } from '../../src/state/store';
import type { CommandContext, PaletteCommand } from '../../src/ui/paletteCommand';
import { startDeck } from '../harness/startDeck';

/** What the console knows, for the commands that complete from it (these do not). */
const state = {} as DeckState;

describe('palette words', () => {
  it('splits like a shell without running one', () => {
    expect(splitWords('run sh -c "echo hi; exit 3"')).toEqual(['run', 'sh', '-c', 'echo hi; exit 3']);
    expect(splitWords(`run printf 'a\\tb' "say \\"hi\\" \\\\ \\n"`)).toEqual([
      'run',
      'printf',
      'a\\tb',
      'say "hi" \\ \\n',
    ]);
    expect(splitWords('  jobs   failed ')).toEqual(['jobs', 'failed']);
  });
});

describe('palette completion', () => {
  const commands: PaletteCommand[] = [
    { name: 'repos', aliases: ['repo', 'git'], description: '', run: () => undefined },
    {
      name: 'region',
      aliases: [],
      description: '',
      complete: () => ['eu-west-1', 'eu-central-1', 'us-east-1'],
      run: () => undefined,
    },
    { name: 'run', aliases: [], description: '', run: () => undefined },
  ];

  it('completes a command name as far as it is unambiguous', () => {
    expect(completeLine(commands, 'rep', state).line).toBe('repos ');
    expect(completeLine(commands, 'r', state)).toEqual({
      line: 'r',
      candidates: ['region', 'repo', 'repos', 'run'],
    });
    expect(completeLine(commands, 'reg', state).line).toBe('region ');
    expect(completeLine(commands, 'x', state).candidates).toEqual([]);
  });

  it('completes arguments when the command can', () => {
    expect(completeLine(commands, 'region eu-', state)).toEqual({
      line: 'region eu-',
      candidates: ['eu-west-1', 'eu-central-1'],
    });
    expect(completeLine(commands, 'region us', state).line).toBe('region us-east-1 ');
    expect(completeLine(commands, 'run ls', state).candidates).toEqual([]);
  });

  it('tells a command the arguments typed before the one it completes, in the line and in the list', () => {
    const seen: (readonly string[])[] = [];
    const twoWords: PaletteCommand = {
      name: 'resources',
      aliases: [],
      description: '',
      complete: (_prefix, _state, before) => {
        seen.push(before);
        return before.length === 0 ? ['ec2', 'subnet'] : ['shop', 'static'];
      },
      run: () => undefined,
    };
    expect(completeLine([twoWords], 'resources e', state).line).toBe('resources ec2 ');
    expect(completeLine([twoWords], 'resources ec2 sh', state).line).toBe('resources ec2 shop ');
    expect(paletteSuggestions([twoWords], 'resources ec2 ', state).map((s) => s.line)).toEqual([
      undefined,
      'resources ec2 shop ',
      'resources ec2 static ',
    ]);
    expect(seen).toEqual([[], ['ec2'], ['ec2']]);
  });
});

describe('palette suggestions', () => {
  const commands: PaletteCommand[] = [
    { name: 'repos', aliases: ['repo', 'git'], description: 'Show Repositories', run: () => undefined },
    {
      name: 'region',
      aliases: [],
      args: '<name>',
      description: 'Switch the region',
      complete: () => ['eu-west-1', 'eu-central-1', 'us-east-1'],
      run: () => undefined,
    },
    { name: 'run', aliases: [], args: '<program>', description: 'Run', run: () => undefined },
  ];

  it('lists every command whose name or alias starts with what is typed, each completing to its name', () => {
    expect(paletteSuggestions(commands, '', state)).toHaveLength(3);
    expect(paletteSuggestions(commands, 'g', state)).toEqual([
      { label: 'repos (repo, git) — Show Repositories', line: 'repos ' },
    ]);
    expect(paletteSuggestions(commands, 'r', state).map((s) => s.line)).toEqual([
      'repos ',
      'region ',
      'run ',
    ]);
  });

  it('shows a named command with the arguments it completes, the synopsis not selectable', () => {
    expect(paletteSuggestions(commands, 'region eu-', state)).toEqual([
      { label: 'region <name> — Switch the region' },
      { label: '  eu-west-1', line: 'region eu-west-1 ' },
      { label: '  eu-central-1', line: 'region eu-central-1 ' },
    ]);
    expect(paletteSuggestions(commands, 'run l', state)).toEqual([{ label: 'run <program> — Run' }]);
    expect(paletteSuggestions(commands, 'nope x', state)).toEqual([{ label: ':nope is not a command' }]);
  });

  it('says which command was probably meant', () => {
    const ctx = {} as CommandContext;
    expect(runLine(commands, 'regoin eu-west-1', ctx)).toMatch(
      /^unknown command ":regoin" \(did you mean :region\?/,
    );
    expect(runLine(commands, 'zzzzzz', ctx)).not.toMatch(/did you mean/);
  });

  it('writes each command for :help', () => {
    expect(commandHelpLines(commands)[0]).toBe(' :repos (repo, git) — Show Repositories');
  });
});

describe('the built-in commands', () => {
  const calls: string[] = [];
  const ctx = {
    actions: {
      ui: {
        showTab: (id: string) => calls.push(`tab ${id}`),
        setFilter: () => undefined,
        openOverlay: (o: string) => calls.push(`overlay ${o}`),
      },
      assistant: { close: () => calls.push('assistant closed'), advise: async () => undefined },
    },
    screens: [],
    state: () => ({}),
  } as unknown as CommandContext;
  const home = {
    id: 'home',
    title: 'Home',
    aliases: [],
    actions: [],
    scopes: [],
    hints: [],
    Component: () => null,
  };
  const commands = builtinCommands([home]);

  it('says an argument of a command that takes none is ignored, and still runs it', () => {
    expect(runLine(commands, 'help jobs', ctx)).toBe(':help takes no arguments ("jobs" ignored)');
    expect(runLine(commands, 'messages all', ctx)).toBe(':messages takes no arguments ("all" ignored)');
    expect(runLine(commands, 'advise now please', ctx)).toBe(
      ':advise takes no arguments ("now please" ignored)',
    );
    expect(runLine(commands, 'home x', ctx)).toBe(':home takes no arguments ("x" ignored)');
    expect(runLine(commands, 'help', ctx)).toBeUndefined();
    expect(calls).toContain('overlay help');
    expect(calls).toContain('overlay messages');
  });

  it('shows the tab it names over the assistant, also when the assistant covers that very tab', async () => {
    // Showing a tab closes the assistant's view (the ui slice does it for every way a tab is shown).
    const deck = await startDeck({ screens: [home] });
    try {
      deck.store.setState((s) => ({ assistant: { ...s.assistant, shown: 'advice' } }));
      const state = deck.store.getState;
      expect(runLine(commands, 'home', { actions: state().actions, screens: [home], state })).toBeUndefined();
      expect(state().ui.tab).toBe('home');
      expect(state().assistant.shown).toBe(null);
    } finally {
      deck.unmount();
    }
  });
});

describe('checked arguments of :region and :profile', () => {
  it('refuses a region that is not an AWS region, with the one probably meant', () => {
    expect(unknownRegion('eu-west-1')).toBeUndefined();
    expect(unknownRegion('mars-1')).toBe(':region mars-1: no such AWS region (Tab lists them)');
    expect(unknownRegion('eu-wset-1')).toMatch(/did you mean eu-west-1\?/);
    expect(unknownRegion('xx-new-9', ['xx-new-9'])).toBeUndefined();
  });

  it('refuses a profile that ~/.aws does not have, once the profiles are known', () => {
    expect(unknownProfile('prod', ['default', 'prod'])).toBeUndefined();
    expect(unknownProfile('prdo', ['default', 'prod'])).toBe(
      ':profile prdo: no such AWS profile (did you mean prod?)',
    );
    expect(unknownProfile('staging', ['default', 'prod'])).toBe(
      ':profile staging: no such AWS profile (profiles: default, prod)',
    );
    // Not read yet: the cloud says what it finds.
    expect(unknownProfile('anything', undefined)).toBeUndefined();
    // Read, and ~/.aws has none: no name can work.
    expect(unknownProfile('xyz', [])).toMatch(
      /^:profile xyz: ~\/\.aws has no profiles \(aws configure --profile xyz/,
    );
  });
});

describe('a tab named in the palette', () => {
  const commands = builtinCommands(screens);

  it('shows what its arguments are and completes them: a job status, an experiment of the workspace', () => {
    expect(paletteSuggestions(commands, 'jobs ', state)[0]).toEqual({
      label: 'jobs [status|all] (job, j) — Show Jobs',
    });
    expect(completeLine(commands, 'jobs fa', state).line).toBe('jobs failed ');
    const known = {
      ai: { experiments: [{ name: 'tiny-regression' }, { name: 'slow' }] },
    } as unknown as DeckState;
    expect(completeLine(commands, 'ai ti', known).line).toBe('ai tiny-regression ');
    expect(paletteSuggestions(commands, 'ai ', known).map((s) => s.label)).toEqual([
      'ai [experiment] (experiments, ml, training) — Show AI',
      '  tiny-regression',
      '  slow',
    ]);
    expect(completeLine(commands, 'batch n', state).line).toBe('batch new ');
    expect(paletteSuggestions(commands, 'resources ', state)[0]?.label).toMatch(
      /^resources \[type\|all\] \[project\]/,
    );
  });
});
