import { describe, expect, it } from 'vitest';
import { expandGrid, paramEnvName, substituteParams } from '../../src/domain/experiment';
import { parseExperimentFile } from '../../src/domain/experimentSource';
import { formatSourceError } from '../../src/domain/sourceError';

const file = 'data/ai/experiments/tiny.yaml';
const errorsOf = (lines: string[]) => {
  const parsed = parseExperimentFile(file, lines.join('\n'));
  if (parsed.ok) throw new Error('expected errors');
  return parsed.errors.map(formatSourceError);
};

describe('experiment files', () => {
  it('reads a full experiment, with defaults', () => {
    const parsed = parseExperimentFile(
      file,
      [
        'command: [python, train.py, --lr, "{lr}"]',
        'params: { lr: 0.1, epochs: 3, fast: true }',
        'grid: { seed: [1, 2] }',
        'metric: acc',
        'env: { PYTHONUNBUFFERED: 1 }',
        'where: { server: gpu-1 }',
        'timeout: 2h',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      ok: true,
      file,
      experiment: {
        name: 'tiny',
        command: ['python', 'train.py', '--lr', '{lr}'],
        params: { lr: 0.1, epochs: 3, fast: true },
        grid: { seed: [1, 2] },
        metric: { name: 'acc', goal: 'min' },
        where: { type: 'server', server: 'gpu-1' },
        env: { PYTHONUNBUFFERED: '1' },
        timeoutMs: 7_200_000,
      },
    });
    const minimal = parseExperimentFile(file, 'command: [sh, run.sh]\nmetric: { name: acc, goal: max }\n');
    expect(minimal.ok && minimal.experiment).toMatchObject({
      where: { type: 'worker' },
      params: {},
      grid: {},
      metric: { name: 'acc', goal: 'max' },
    });
    const local = parseExperimentFile(file, 'command: [kubectl, apply]\nwhere: { local: gpu-1 }\n');
    expect(local.ok && local.experiment.where).toEqual({ type: 'local', server: 'gpu-1' });
  });

  it('locates unknown keys with a did-you-mean', () => {
    expect(errorsOf(['command: [a]', 'parms: { lr: 1 }'])).toEqual([
      `${file}:2:1: parms: unknown key "parms" (did you mean "params"? allowed: name, description, command, params, grid, metric, where, env, workdir, timeout)`,
    ]);
    expect(errorsOf(['command: [a]', 'where: { sever: gpu }'])[0]).toMatch(/^.*:2:\d+: where/);
  });

  it('locates bad values', () => {
    expect(errorsOf(['command: python train.py'])).toEqual([
      `${file}:1:10: command: expected a list, got "python train.py"`,
    ]);
    expect(errorsOf(['command: []'])).toEqual([
      `${file}:1:10: command: a command is an argv list: [program, args…]`,
    ]);
    expect(errorsOf(['command: [a]', 'params:', '  lr-rate: 1'])).toEqual([
      `${file}:3:12: params.lr-rate: "lr-rate" is not a param name (a param name is a letter or "_", then letters, digits or "_" (at most 64))`,
    ]);
    expect(errorsOf(['command: [a]', 'grid: { lr: [] }'])).toEqual([
      `${file}:2:13: grid.lr: a grid key needs at least one value`,
    ]);
    expect(errorsOf(['command: [a]', 'timeout: soon'])[0]).toMatch(/^.*:2:10: timeout: /);
  });

  it('checks the whole: unknown {param} with a did-you-mean, a key in params and grid, too big a grid', () => {
    expect(
      errorsOf([
        'command: [train, --lr, "{lrr}", "{{lr}}", "{seed}"]',
        'params: { lr: 1 }',
        'grid: { seed: [1] }',
      ]),
    ).toEqual([
      `${file}:1:24: command[2]: "{lrr}" names no param (did you mean "{lr}"?); write {{lrr}} for the literal text`,
    ]);
    expect(errorsOf(['command: [a]', 'params: { lr: 1 }', 'grid:', '  lr: [1, 2]'])).toEqual([
      `${file}:4:7: grid.lr: "lr" is in params and in grid: give it in one (the grid's values vary it)`,
    ]);
    expect(errorsOf(['command: [a]', 'params: { lr: 1, LR: 2 }'])).toEqual([
      `${file}:2:22: params.LR: "LR" and "lr" would both be INFRADECK_PARAM_LR: rename one`,
    ]);
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
    expect(
      errorsOf(['command: [a]', 'grid:', `  a: ${values(10)}`, `  b: ${values(10)}`, `  c: ${values(3)}`]),
    ).toEqual([`${file}:3:3: grid: 300 runs (a: 10 x b: 10 x c: 3); at most 256 from one grid`]);
    expect(errorsOf(['command: [a]', 'metric: "lo ss"'])).toEqual([
      `${file}:2:9: metric: "lo ss" cannot be a metric name (1-128 letters, digits, _ . / : -)`,
    ]);
    expect(errorsOf(['command: [a]', 'where: { server: gpu }', 'workdir: x'])[0]).toMatch(
      /:3:10: workdir: a run over ssh starts in the login folder/,
    );
  });

  it('refuses a file name that is not an experiment name when no name is given', () => {
    const parsed = parseExperimentFile('ai/experiments/my experiment.yaml', 'command: [a]\n');
    expect(parsed.ok).toBe(false);
  });
});

describe('grid expansion and params', () => {
  it('makes one run per combination, the last key varying fastest', () => {
    expect(expandGrid({ epochs: 3 }, { lr: [0.1, 0.01], seed: [1, 2, 3] })).toEqual([
      { epochs: '3', lr: '0.1', seed: '1' },
      { epochs: '3', lr: '0.1', seed: '2' },
      { epochs: '3', lr: '0.1', seed: '3' },
      { epochs: '3', lr: '0.01', seed: '1' },
      { epochs: '3', lr: '0.01', seed: '2' },
      { epochs: '3', lr: '0.01', seed: '3' },
    ]);
  });

  it('makes one run without a grid; overrides win and take a key out of the grid', () => {
    expect(expandGrid({ lr: 0.1, fast: true }, {})).toEqual([{ lr: '0.1', fast: 'true' }]);
    expect(expandGrid({ epochs: 3 }, { lr: [0.1, 0.01], seed: [1, 2] }, { lr: '0.5', epochs: '9' })).toEqual([
      { epochs: '9', lr: '0.5', seed: '1' },
      { epochs: '9', lr: '0.5', seed: '2' },
    ]);
  });

  it('substitutes {param} in argv, leaves other braces, writes {{param}} as {param}', () => {
    expect(
      substituteParams(['--lr={lr}', '{"a": 1}', '{}', '{{lr}}', '{other}', 'x{lr}{lr}'], { lr: '0.1' }),
    ).toEqual(['--lr=0.1', '{"a": 1}', '{}', '{lr}', '{other}', 'x0.10.1']);
  });

  it('names the param variables', () => {
    expect(paramEnvName('learning_rate')).toBe('INFRADECK_PARAM_LEARNING_RATE');
  });
});
