import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cycleText,
  dagProgress,
  dependentsOf,
  findCycle,
  type StepStatus,
} from '../../src/domain/pipelineDag';
import { parsePipelineFile } from '../../src/domain/pipelineSource';
import { formatSourceError } from '../../src/domain/sourceError';

const file = 'data/pipelines/build.yaml';

function errorsOf(text: string): string[] {
  const parsed = parsePipelineFile(file, text);
  if (parsed.ok) throw new Error('expected errors');
  return parsed.errors.map(formatSourceError);
}

describe('a pipeline file', () => {
  it('reads steps: argv, a shell line, needs as a word or a list, env over the common env, workdir, timeout, retry', () => {
    const parsed = parsePipelineFile(
      file,
      [
        'env: { CI: 1 }',
        'steps:',
        '  - name: lint',
        '    run: [npm, run, lint]',
        '  - name: test',
        '    run: npm test -- --run',
        '    shell: true',
        '    needs: lint',
        '    env: { CI: "0", NODE_ENV: test }',
        '    workdir: packages/web',
        '    timeout: 2m',
        '    retry: 3',
        '',
      ].join('\n'),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.pipeline).toEqual({
      name: 'build',
      steps: [
        {
          name: 'lint',
          program: 'npm',
          args: ['run', 'lint'],
          shell: false,
          needs: [],
          env: { CI: '1' },
          attempts: 1,
        },
        {
          name: 'test',
          program: 'npm test -- --run',
          args: [],
          shell: true,
          needs: ['lint'],
          env: { CI: '0', NODE_ENV: 'test' },
          workdir: 'packages/web',
          timeoutMs: 120_000,
          attempts: 3,
        },
      ],
    });
  });

  it('names a cycle along its steps, at the needs of its first step', () => {
    expect(
      errorsOf(
        [
          'steps:',
          '  - name: a',
          '    run: [echo, ok]',
          '    needs: [c]',
          '  - name: b',
          '    run: [echo, ok]',
          '    needs: [a]',
          '  - name: c',
          '    run: [echo, ok]',
          '    needs: [b]',
          '',
        ].join('\n'),
      ),
    ).toEqual([`${file}:4:12: steps[0].needs: a cycle: a -> c -> b -> a`]);
  });

  it('an unknown need says which step was meant; a step that needs itself says so', () => {
    expect(
      errorsOf(
        [
          'steps:',
          '  - name: compile',
          '    run: [echo, ok]',
          '  - name: test',
          '    run: [echo, ok]',
          '    needs: [compil, test, deploy]',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      `${file}:6:13: steps[1].needs[0]: unknown step "compil" (did you mean "compile"?)`,
      `${file}:6:21: steps[1].needs[1]: step "test" needs itself`,
      `${file}:6:27: steps[1].needs[2]: unknown step "deploy" (steps: compile, test)`,
    ]);
  });

  it('refuses duplicate step names, unknown keys, a string run without shell, a bad timeout and retry', () => {
    expect(
      errorsOf(
        [
          'steps:',
          '  - name: a',
          '    run: echo hi',
          '  - name: a',
          '    run: [echo, ok]',
          '    need: [a]',
          '  - name: b',
          '    run: [echo, ok]',
          '    timeout: soon',
          '    retry: 0',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      `${file}:6:5: steps[1].need: unknown key "need" (did you mean "needs"? allowed: name, run, shell, needs, env, workdir, timeout, retry)`,
      `${file}:9:14: steps[2].timeout: expected a duration like 30s, 2m or 1h30m, or a number of seconds, got "soon"`,
      `${file}:10:12: steps[2].retry: must be at least 1, got 0`,
    ]);
    expect(
      errorsOf(
        ['steps:', '  - name: a', '    run: echo hi', '  - name: a', '    run: [echo, ok]', ''].join('\n'),
      ),
    ).toEqual([
      `${file}:3:10: steps[0].run: a string runs only with \`shell: true\`; or give the argv as a list: [program, args…]`,
      `${file}:4:11: steps[1].name: duplicate step "a" (already steps[0])`,
    ]);
  });

  it('a YAML syntax error is located', () => {
    const [error] = errorsOf('steps:\n  - name: a\n\trun: [echo, ok]\n');
    expect(error).toMatch(/^data\/pipelines\/build\.yaml:3:1: /);
  });
});

const steps = [
  { name: 'checkout', needs: [] },
  { name: 'lint', needs: ['checkout'] },
  { name: 'unit', needs: ['checkout'] },
  { name: 'build', needs: ['lint', 'unit'] },
  { name: 'deploy', needs: ['build'] },
  { name: 'docs', needs: ['checkout'] },
];

const at = (entries: Record<string, StepStatus>) => new Map(Object.entries(entries));

describe('the DAG maths', () => {
  it('finds no cycle in a DAG, and one in a loop', () => {
    expect(findCycle(steps)).toBeUndefined();
    const loop = [
      { name: 'x', needs: ['y'] },
      { name: 'y', needs: ['x'] },
    ];
    expect(cycleText(findCycle(loop)!)).toBe('x -> y -> x');
  });

  it('starts the roots first, then every step whose needs all passed, in parallel', () => {
    expect(dagProgress(steps, at({})).ready).toEqual(['checkout']);
    expect(dagProgress(steps, at({ checkout: 'passed' })).ready).toEqual(['lint', 'unit', 'docs']);
    const half = dagProgress(
      steps,
      at({ checkout: 'passed', lint: 'passed', unit: 'running', docs: 'passed' }),
    );
    expect(half).toEqual({ ready: [], skip: [], finished: false });
  });

  it('a failed step skips its dependents, the other branches go on, and the run then fails', () => {
    expect(dependentsOf(steps, 'unit')).toEqual(['build', 'deploy']);
    const failing = dagProgress(
      steps,
      at({ checkout: 'passed', lint: 'passed', unit: 'failed', docs: 'running' }),
    );
    expect(failing).toEqual({ ready: [], skip: ['build', 'deploy'], finished: false });
    const done = dagProgress(
      steps,
      at({ checkout: 'passed', lint: 'passed', unit: 'failed', docs: 'passed' }),
    );
    expect(done).toEqual({ ready: [], skip: ['build', 'deploy'], finished: true, outcome: 'failed' });
  });

  it('passes when every step passed; a cancelled step ends the run cancelled', () => {
    const all = Object.fromEntries(steps.map((s) => [s.name, 'passed' as const]));
    expect(dagProgress(steps, at(all))).toMatchObject({ finished: true, outcome: 'passed' });
    expect(dagProgress(steps, at({ ...all, build: 'cancelled', deploy: 'pending' }))).toMatchObject({
      finished: true,
      outcome: 'cancelled',
      skip: ['deploy'],
    });
  });
});

describe('the example workspace', () => {
  it('data/pipelines/build.yaml is a valid pipeline', () => {
    const path = join(import.meta.dirname, '..', '..', 'data', 'pipelines', 'build.yaml');
    const parsed = parsePipelineFile(path, readFileSync(path, 'utf8'));
    expect(parsed.ok ? parsed.pipeline.steps.map((s) => [s.name, s.needs]) : parsed.errors).toEqual([
      ['host', []],
      ['list', ['host']],
      ['count', ['host']],
      ['check', ['list', 'count']],
    ]);
  });
});
