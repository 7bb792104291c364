import { describe, expect, it } from 'vitest';
import { completeLine, splitWords } from '../../src/app/commands';
import type { PaletteCommand } from '../../src/ui/paletteCommand';

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
    expect(completeLine(commands, 'rep').line).toBe('repos ');
    expect(completeLine(commands, 'r')).toEqual({
      line: 'r',
      candidates: ['region', 'repo', 'repos', 'run'],
    });
    expect(completeLine(commands, 'reg').line).toBe('region ');
    expect(completeLine(commands, 'x').candidates).toEqual([]);
  });

  it('completes arguments when the command can', () => {
    expect(completeLine(commands, 'region eu-')).toEqual({
      line: 'region eu-',
      candidates: ['eu-west-1', 'eu-central-1'],
    });
    expect(completeLine(commands, 'region us').line).toBe('region us-east-1 ');
    expect(completeLine(commands, 'run ls').candidates).toEqual([]);
  });
});
