import { describe, expect, it } from 'vitest';
import { dispatchInputProblems, dispatchSpecOf } from '../../src/domain/workflowDispatch';

describe('workflow_dispatch in a workflow file', () => {
  it('reads every way `on` can name it', () => {
    expect(dispatchSpecOf('on: workflow_dispatch\n', 'ci.yml')).toEqual({ dispatchable: true, inputs: [] });
    expect(dispatchSpecOf('on: [push, workflow_dispatch]\n', 'ci.yml')).toEqual({
      dispatchable: true,
      inputs: [],
    });
    expect(dispatchSpecOf('on:\n  workflow_dispatch:\n  push:\n', 'ci.yml')).toEqual({
      dispatchable: true,
      inputs: [],
    });
    expect(dispatchSpecOf('on: [push]\n', 'ci.yml').dispatchable).toBe(false);
    expect(dispatchSpecOf('on:\n  schedule: [{cron: "0 * * * *"}]\n', 'ci.yml').dispatchable).toBe(false);
  });

  it('reads the inputs in file order with their types, defaults and options', () => {
    const spec = dispatchSpecOf(
      [
        'on:',
        '  workflow_dispatch:',
        '    inputs:',
        '      level:',
        '        type: choice',
        '        options: [info, debug]',
        '        default: info',
        '      count: { type: number, required: true }',
        '      tag: { description: Image tag }',
      ].join('\n'),
      'release.yml',
    );
    expect(spec.inputs).toEqual([
      { name: 'level', required: false, default: 'info', type: 'choice', options: ['info', 'debug'] },
      { name: 'count', required: true, type: 'number' },
      { name: 'tag', description: 'Image tag', required: false, type: 'string' },
    ]);
    expect(dispatchInputProblems(spec, { count: 'x', level: 'trace' }, 'release.yml')).toEqual([
      'input "level": "trace" is not one of info, debug',
      'input "count": "x" is not a number',
    ]);
    expect(dispatchInputProblems(spec, { count: '3' }, 'release.yml')).toEqual([]);
  });

  it('a workflow without the trigger cannot be dispatched, and says how to allow it', () => {
    expect(dispatchInputProblems(dispatchSpecOf('on: push\n', 'ci.yml'), {}, 'ci.yml')).toEqual([
      'ci.yml has no workflow_dispatch trigger: add `on: workflow_dispatch` to run it by hand',
    ]);
  });

  it('a file that is not YAML: its position', () => {
    expect(() =>
      dispatchSpecOf('on:\n  workflow_dispatch:\n    inputs: [a\n', '/r/.github/workflows/x.yml'),
    ).toThrow(/^\/r\/\.github\/workflows\/x\.yml:\d+:\d+: /);
  });
});
